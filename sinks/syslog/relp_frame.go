package syslog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// RELP wire format (librelp's doc/relp.md, the protocol's only specification):
//
//	FRAME = TXNR SP COMMAND SP DATALEN [SP DATA] LF
//	TXNR = 1*9DIGIT; COMMAND = 1*32ALPHA; DATALEN = 1*9DIGIT (octets of DATA)
//	rsp DATA = RSP-CODE [SP HUMANMSG] [LF CMDDATA]
//
// A session starts at TXNR 1 (the open command), every command takes the
// next number and the numbers wrap from 999,999,999 to 1; librelp's server
// drops a session whose numbers skip. TXNR 0 is reserved for hints the
// server sends unasked, of which librelp sends one: serverclose.

// RELP commands and codes the client uses.
const (
	relpOpen        = "open"
	relpSyslog      = "syslog"
	relpClose       = "close"
	relpRsp         = "rsp"
	relpServerClose = "serverclose"

	relpOK       = 200
	relpMaxTxnr  = 999_999_999
	relpMaxDigit = 9
	relpMaxCmd   = 32
	// relpMaxRsp bounds the data of a frame the server sends us: responses
	// are a status line and, for open, a few offers.
	relpMaxRsp = 64 << 10
)

// errRELPFrame marks bytes from the server that are not a RELP frame; the
// session cannot continue after one.
var errRELPFrame = errors.New("malformed RELP frame")

// relpFrame is one decoded frame. data aliases nothing: it is a fresh slice.
type relpFrame struct {
	txnr uint32
	cmd  string
	data []byte
}

// nextTxnr is the transaction number after n.
func nextTxnr(n uint32) uint32 {
	if n >= relpMaxTxnr {
		return 1
	}
	return n + 1
}

// appendRELPFrame encodes one frame; a frame without data has no SP before
// the trailer ("3 close 0\n").
func appendRELPFrame(dst []byte, txnr uint32, cmd string, data []byte) []byte {
	dst = appendRELPHeader(dst, txnr, cmd, len(data))
	dst = append(dst, data...)
	return append(dst, '\n')
}

// appendRELPHeader encodes everything of a frame before DATA, including the
// SP that precedes non-empty data.
func appendRELPHeader(dst []byte, txnr uint32, cmd string, n int) []byte {
	dst = strconv.AppendUint(dst, uint64(txnr), 10)
	dst = append(dst, ' ')
	dst = append(dst, cmd...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(n), 10)
	if n > 0 {
		dst = append(dst, ' ')
	}
	return dst
}

// readRELPFrame reads one frame whose data is at most maxData octets. A
// clean end of stream before the first byte is io.EOF; one inside a frame is
// io.ErrUnexpectedEOF; anything that is not a frame wraps errRELPFrame.
func readRELPFrame(r *bufio.Reader, maxData int) (relpFrame, error) {
	var f relpFrame
	txnr, err := readRELPNumber(r, "transaction number", true)
	if err != nil {
		return f, err
	}
	f.txnr = uint32(txnr)
	var cmd [relpMaxCmd]byte
	n := 0
	for {
		c, err := r.ReadByte()
		if err != nil {
			return f, unexpectedEOF(err)
		}
		if c == ' ' && n > 0 {
			break
		}
		if !isAlpha(c) || n == relpMaxCmd {
			return f, fmt.Errorf("%w: bad command after txnr %d (byte %q)", errRELPFrame, f.txnr, c)
		}
		cmd[n] = c
		n++
	}
	f.cmd = string(cmd[:n])
	size, err := readRELPNumber(r, "data length", false)
	if err != nil {
		return f, err
	}
	if size > maxData {
		return f, fmt.Errorf("%w: %s frame %d has %d octets of data, more than %d", errRELPFrame, f.cmd, f.txnr, size, maxData)
	}
	if size > 0 {
		f.data = make([]byte, size)
		if _, err := io.ReadFull(r, f.data); err != nil {
			return f, unexpectedEOF(err)
		}
	}
	c, err := r.ReadByte()
	if err != nil {
		return f, unexpectedEOF(err)
	}
	if c != '\n' {
		return f, fmt.Errorf("%w: %s frame %d does not end in LF (byte %q)", errRELPFrame, f.cmd, f.txnr, c)
	}
	return f, nil
}

// readRELPNumber reads 1–9 digits and the byte that ends them: SP, or for a
// data length also the LF of a frame without data (which it unreads for the
// trailer check). first marks the frame's first field, where a clean EOF is
// io.EOF.
func readRELPNumber(r *bufio.Reader, what string, first bool) (int, error) {
	v, n := 0, 0
	for {
		c, err := r.ReadByte()
		if err != nil {
			if first && n == 0 && err == io.EOF {
				return 0, io.EOF
			}
			return 0, unexpectedEOF(err)
		}
		switch {
		case c >= '0' && c <= '9' && n < relpMaxDigit:
			v = v*10 + int(c-'0')
			n++
			continue
		case n > 0 && c == ' ' && (first || v > 0):
			return v, nil
		case n > 0 && c == '\n' && !first && v == 0:
			return 0, r.UnreadByte()
		}
		return 0, fmt.Errorf("%w: bad %s (byte %q after %d digits)", errRELPFrame, what, c, n)
	}
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// relpResponse is the data of an rsp frame.
type relpResponse struct {
	code int    // 200 OK; librelp sends 500 for every error
	text string // the human-readable message, e.g. "OK"
	data []byte // command data after the first LF (open: the offers)
}

// parseRELPResponse decodes rsp data `CODE [SP TEXT] [LF DATA]`. An empty
// rsp (librelp's answer to close) has code 0.
func parseRELPResponse(b []byte) (relpResponse, error) {
	var r relpResponse
	if len(b) == 0 {
		return r, nil
	}
	line, rest, hasData := bytes.Cut(b, []byte{'\n'})
	if hasData {
		r.data = rest
	}
	if len(line) < 3 || (len(line) > 3 && line[3] != ' ') {
		return r, fmt.Errorf("%w: response %q does not start with a 3-digit code", errRELPFrame, truncateForError(line))
	}
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return r, fmt.Errorf("%w: response %q does not start with a 3-digit code", errRELPFrame, truncateForError(line))
		}
		r.code = r.code*10 + int(c-'0')
	}
	if len(line) > 4 {
		r.text = string(line[4:])
	}
	return r, nil
}

// relpOpenOffers is the data of the client's open command.
func relpOpenOffers(version string) []byte {
	return []byte("relp_version=0\nrelp_software=ghsec-exporter," + version + "\ncommands=" + relpSyslog)
}

// parseRELPOffers decodes offers, one per line `NAME[=VALUE*(,VALUE)]`.
func parseRELPOffers(b []byte) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		name, vals, ok := strings.Cut(line, "=")
		out[name] = nil
		if ok {
			out[name] = strings.Split(vals, ",")
		}
	}
	return out
}

// checkRELPOffers validates the server's answer to open: it must name a
// protocol version and accept the syslog command.
func checkRELPOffers(offers map[string][]string) error {
	v, ok := offers["relp_version"]
	if !ok || len(v) != 1 {
		return errors.New("server offered no relp_version")
	}
	if _, err := strconv.Atoi(v[0]); err != nil {
		return fmt.Errorf("server offered relp_version %q", v[0])
	}
	for _, c := range offers["commands"] {
		if c == relpSyslog {
			return nil
		}
	}
	return fmt.Errorf("server does not accept the syslog command (commands=%s)", strings.Join(offers["commands"], ","))
}

// truncateForError keeps error messages short: a server's bytes can be
// anything.
func truncateForError(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}
