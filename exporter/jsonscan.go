package exporter

import "fmt"

// The JSON grammar DecodeHead checks, as encoding/json accepts it (RFC 8259;
// invalid UTF-8 inside strings is let through, as encoding/json does, and
// replaced when a value is read). Each scan starts at s.i on the value's
// first byte and leaves s.i after it.

func (s *headScanner) peek() byte {
	if s.i < len(s.data) {
		return s.data[s.i]
	}
	return 0
}

func (s *headScanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *headScanner) syntax(what string) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.i, what)
}

// value scans any JSON value at s.i.
func (s *headScanner) value(depth int) error {
	switch c := s.peek(); {
	case c == '{':
		return s.object(depth+1, skipFields)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		return s.str()
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.syntax("want a value")
}

func (s *headScanner) array(depth int) error {
	if depth > maxDepth {
		return s.syntax("nested too deeply")
	}
	s.i++ // '['
	s.ws()
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := s.value(depth); err != nil {
			return err
		}
		if end, err := s.after(']'); end || err != nil {
			return err
		}
	}
}

// after scans what follows an element of an array or object: a ',' and
// the space after it (end=false), or the closing byte (end=true).
func (s *headScanner) after(closing byte) (end bool, err error) {
	s.ws()
	switch s.peek() {
	case ',':
		s.i++
		s.ws()
		return false, nil
	case closing:
		s.i++
		return true, nil
	}
	return false, s.syntax("want ',' or '" + string(closing) + "'")
}

func (s *headScanner) literal(lit string) error {
	if len(s.data)-s.i < len(lit) || string(s.data[s.i:s.i+len(lit)]) != lit {
		return s.syntax("want " + lit)
	}
	s.i += len(lit)
	return nil
}

// str scans a string at s.i ('"'), escapes included.
func (s *headScanner) str() error {
	s.i++
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			if s.i+1 >= len(s.data) {
				return s.syntax("unterminated escape")
			}
			switch s.data[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if len(s.data)-s.i < 6 {
					return s.syntax("short \\u escape")
				}
				for _, h := range s.data[s.i+2 : s.i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return s.syntax("bad \\u escape")
					}
				}
				s.i += 6
			default:
				return s.syntax("bad escape")
			}
		case c < 0x20:
			return s.syntax("control character in string")
		default:
			s.i++
		}
	}
	return s.syntax("unterminated string")
}

func (s *headScanner) number() error {
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return s.syntax("bad number")
	}
	if s.peek() == '.' {
		s.i++
		if !s.digits() {
			return s.syntax("bad fraction")
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.digits() {
			return s.syntax("bad exponent")
		}
	}
	return nil
}

func (s *headScanner) digits() bool {
	n := s.i
	for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
		s.i++
	}
	return s.i > n
}
