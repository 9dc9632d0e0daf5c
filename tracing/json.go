package tracing

import (
	"encoding/json"
	"io"
)

// WriteJSON writes s as one JSON object (the schema in the package
// documentation), indented by two spaces and ending in a newline: what
// gsysint-demo trace --json prints.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}
