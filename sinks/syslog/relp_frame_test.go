package syslog

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestAppendRELPFrame(t *testing.T) {
	for _, tc := range []struct {
		txnr uint32
		cmd  string
		data string
		want string
	}{
		{1, relpOpen, "relp_version=0\ncommands=syslog", "1 open 30 relp_version=0\ncommands=syslog\n"},
		{2, relpSyslog, "<13>1 - - - - - - hi", "2 syslog 20 <13>1 - - - - - - hi\n"},
		{3, relpClose, "", "3 close 0\n"},
		{999999999, relpSyslog, "x", "999999999 syslog 1 x\n"},
		{7, relpSyslog, "line\nbreak", "7 syslog 10 line\nbreak\n"},
	} {
		if got := string(appendRELPFrame(nil, tc.txnr, tc.cmd, []byte(tc.data))); got != tc.want {
			t.Errorf("appendRELPFrame(%d, %s, %q) = %q, want %q", tc.txnr, tc.cmd, tc.data, got, tc.want)
		}
	}
}

// readers feed the parser the same bytes in different chunkings: whole, one
// byte at a time, and half of what is asked, as a socket may deliver them.
var readers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
}

func TestReadRELPFrame(t *testing.T) {
	type frame struct {
		txnr uint32
		cmd  string
		data string
	}
	for _, tc := range []struct {
		name string
		in   string
		want []frame
		err  error // after the frames in want; nil means io.EOF
	}{
		{"rsp ok", "2 rsp 6 200 OK\n", []frame{{2, "rsp", "200 OK"}}, nil},
		{"open rsp", "1 rsp 45 200 OK\nrelp_version=0\ncommands=syslog\nextra=1\n",
			[]frame{{1, "rsp", "200 OK\nrelp_version=0\ncommands=syslog\nextra=1"}}, nil},
		{"pipelined", "2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 0\n",
			[]frame{{2, "rsp", "200 OK"}, {3, "rsp", "200 OK"}, {4, "rsp", ""}}, nil},
		{"serverclose", "5 rsp 6 200 OK\n0 serverclose 0\n", []frame{{5, "rsp", "200 OK"}, {0, "serverclose", ""}}, nil},
		{"non-200", "9 rsp 20 500 command disabled\n", []frame{{9, "rsp", "500 command disabled"}}, nil},
		{"data with LF at the end", "3 rsp 3 a\n\n\n", []frame{{3, "rsp", "a\n\n"}}, nil},
		{"max txnr", "999999999 rsp 6 200 OK\n", []frame{{999999999, "rsp", "200 OK"}}, nil},
		{"truncated data", "2 rsp 6 200", nil, io.ErrUnexpectedEOF},
		{"truncated header", "2 rs", nil, io.ErrUnexpectedEOF},
		{"no trailer", "2 rsp 6 200 OK", nil, io.ErrUnexpectedEOF},
		{"second truncated", "2 rsp 6 200 OK\n3 rsp", []frame{{2, "rsp", "200 OK"}}, io.ErrUnexpectedEOF},
		{"wrong trailer", "2 rsp 6 200 OKX", nil, errRELPFrame},
		{"length too short", "2 rsp 5 200 OK\n", nil, errRELPFrame},
		{"txnr not a number", "x rsp 6 200 OK\n", nil, errRELPFrame},
		{"txnr 10 digits", "1234567890 rsp 0\n", nil, errRELPFrame},
		{"empty txnr", " rsp 0\n", nil, errRELPFrame},
		{"command with digit", "2 rsp2 0\n", nil, errRELPFrame},
		{"empty command", "2  0\n", nil, errRELPFrame},
		{"command too long", "2 " + strings.Repeat("a", 33) + " 0\n", nil, errRELPFrame},
		{"empty datalen", "2 rsp \n", nil, errRELPFrame},
		{"zero datalen with SP", "2 rsp 0 \n", nil, errRELPFrame},
		{"datalen without data", "2 rsp 6\n", nil, errRELPFrame},
		{"datalen over limit", "2 rsp 99999 x\n", nil, errRELPFrame},
		{"negative datalen", "2 rsp -1 x\n", nil, errRELPFrame},
		{"garbage", "HTTP/1.1 400 Bad Request\r\n", nil, errRELPFrame},
	} {
		for _, rd := range readers {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				r := bufio.NewReaderSize(rd.wrap(strings.NewReader(tc.in)), 16)
				var got []frame
				var err error
				for {
					var f relpFrame
					if f, err = readRELPFrame(r, 1024); err != nil {
						break
					}
					got = append(got, frame{f.txnr, f.cmd, string(f.data)})
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("frames = %+v, want %+v", got, tc.want)
				}
				want := tc.err
				if want == nil {
					want = io.EOF
				}
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			})
		}
	}
}

func TestParseRELPResponse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want relpResponse
		ok   bool
	}{
		{"200 OK", relpResponse{code: 200, text: "OK"}, true},
		{"200", relpResponse{code: 200}, true},
		{"500 command disabled", relpResponse{code: 500, text: "command disabled"}, true},
		{"200 OK\nrelp_version=0\ncommands=syslog", relpResponse{code: 200, text: "OK", data: []byte("relp_version=0\ncommands=syslog")}, true},
		{"", relpResponse{}, true}, // librelp's rsp to close
		{"20 OK", relpResponse{}, false},
		{"OK 200", relpResponse{}, false},
		{"2000 OK", relpResponse{}, false},
	} {
		got, err := parseRELPResponse([]byte(tc.in))
		if (err == nil) != tc.ok || (tc.ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("parseRELPResponse(%q) = %+v, %v; want %+v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, errRELPFrame) {
			t.Errorf("parseRELPResponse(%q): error %v is not errRELPFrame", tc.in, err)
		}
	}
}

func TestRELPOffers(t *testing.T) {
	if got, want := string(relpOpenOffers("1.2.3")), "relp_version=0\nrelp_software=ghsec-exporter,1.2.3\ncommands=syslog"; got != want {
		t.Errorf("offers = %q, want %q", got, want)
	}
	librelp := "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog"
	offers := parseRELPOffers([]byte(librelp))
	want := map[string][]string{"relp_version": {"0"}, "relp_software": {"librelp", "1.11.0", "http://librelp.adiscon.com"}, "commands": {"syslog"}}
	if !reflect.DeepEqual(offers, want) {
		t.Errorf("parseRELPOffers = %q, want %q", offers, want)
	}
	for _, tc := range []struct {
		offers string
		ok     bool
	}{
		{librelp, true},
		{"relp_version=1\ncommands=eventlog,syslog", true},
		{"commands=syslog", false},
		{"relp_version=x\ncommands=syslog", false},
		{"relp_version=0\ncommands=", false},
		{"relp_version=0", false},
		{"relp_version=0\ncommands=eventlog", false},
	} {
		if err := checkRELPOffers(parseRELPOffers([]byte(tc.offers))); (err == nil) != tc.ok {
			t.Errorf("checkRELPOffers(%q) = %v, want ok=%v", tc.offers, err, tc.ok)
		}
	}
}

func TestNextTxnr(t *testing.T) {
	for in, want := range map[uint32]uint32{0: 1, 1: 2, 41: 42, 999999998: 999999999, 999999999: 1} {
		if got := nextTxnr(in); got != want {
			t.Errorf("nextTxnr(%d) = %d, want %d", in, got, want)
		}
	}
}
