package recordjson

import (
	stdjson "encoding/json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// StdDecodeHead reads the head's fields as DecodeHead does, with
// encoding/json instead: the reference FuzzDecodeHead holds DecodeHead to.
// It checks neither the rest of the entry nor the id.
func StdDecodeHead(raw []byte) (exporter.RecordHead, error) {
	var h head
	if err := stdjson.Unmarshal(raw, &h); err != nil {
		return exporter.RecordHead{}, err
	}
	return h.recordHead(), nil
}
