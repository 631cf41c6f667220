package batching

// Bodies are the request bodies of a prepared batch, built ahead (in
// PrepareRaw, off the delivery loop's critical path) so that Send only
// posts: one per chunk, kept by its first index and length. A request
// bisected after a refusal builds its halves' bodies when sent.
type Bodies struct {
	build func(idxs []int) ([]byte, error)
	ahead map[[2]int]built
}

type built struct {
	b   []byte
	err error
}

// NewBodies builds the body of each of chunks with build, which also
// builds a bisected request's body in Take.
func NewBodies(chunks [][]int, build func(idxs []int) ([]byte, error)) *Bodies {
	bs := &Bodies{build: build, ahead: make(map[[2]int]built, len(chunks))}
	for _, c := range chunks {
		b, err := build(c)
		bs.ahead[[2]int{c[0], len(c)}] = built{b, err}
	}
	return bs
}

// Take is the body of the request of idxs and the error building it: the
// one built ahead, handed out once, or else one built now.
func (bs *Bodies) Take(idxs []int) ([]byte, error) {
	key := [2]int{idxs[0], len(idxs)}
	if bd, ok := bs.ahead[key]; ok {
		delete(bs.ahead, key)
		return bd.b, bd.err
	}
	return bs.build(idxs)
}
