package npy

import (
	"fmt"
	"strings"
)

// A .npy header is the repr of a Python dict, which numpy reads with
// ast.literal_eval. literal parses the part of that syntax numpy writers
// produce: a dict of str keys whose values are strs, True/False/None,
// decimal ints and tuples or lists of them, with any whitespace, comments
// and backslash line continuations between tokens. Anything else (string
// escapes, hex ints, nested dicts, …) is an error: no writer emits it.

// pyInt is a Python int literal: a sign and decimal digits, kept as text
// so a dimension beyond int64 is reported, not wrapped.
type pyInt struct {
	neg    bool
	digits string
}

func (v pyInt) String() string {
	if v.neg {
		return "-" + v.digits
	}
	return v.digits
}

// pyTuple and pyList are Python tuples and lists; pyNone is None.
type (
	pyTuple []any
	pyList  []any
	pyNone  struct{}
)

// pyDict is the header dictionary: keys in order of first appearance, the
// last value given for each (as Python does for repeated keys).
type pyDict struct {
	keys []string
	vals map[string]any
}

// maxLiteralDepth bounds the nesting of tuples and lists.
const maxLiteralDepth = 16

// literal is a parser over one header's text.
type literal struct {
	s    string
	i    int
	long bool // accept Python 2 long suffixes (2L): format versions 1 and 2
}

// parseDict parses the whole text as one dict literal.
func (p *literal) parseDict() (*pyDict, error) {
	p.space()
	if !p.eat('{') {
		return nil, p.errorf("want '{' opening the header dictionary")
	}
	d := &pyDict{vals: map[string]any{}}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		k, err := p.value(1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, p.errorf("dictionary key %s is not a string", show(k))
		}
		p.space()
		if !p.eat(':') {
			return nil, p.errorf("want ':' after key %q", key)
		}
		v, err := p.value(1)
		if err != nil {
			return nil, err
		}
		if _, seen := d.vals[key]; !seen {
			d.keys = append(d.keys, key)
		}
		d.vals[key] = v
		p.space()
		if p.eat('}') {
			break
		}
		if !p.eat(',') {
			return nil, p.errorf("want ',' or '}' after the value of %q", key)
		}
	}
	p.space()
	if p.i < len(p.s) {
		return nil, p.errorf("unexpected text after the dictionary")
	}
	return d, nil
}

// value parses one literal value at nesting depth.
func (p *literal) value(depth int) (any, error) {
	if depth > maxLiteralDepth {
		return nil, p.errorf("nested deeper than %d", maxLiteralDepth)
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, p.errorf("")
	}
	switch c := p.s[p.i]; {
	case c == '\'' || c == '"':
		return p.str()
	case c == 'u' || c == 'U':
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '\'' || p.s[p.i+1] == '"') {
			p.i++
			return p.str()
		}
	case c == '(' || c == '[':
		return p.sequence(depth)
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		return p.integer()
	}
	for _, w := range []struct {
		word string
		v    any
	}{{"True", true}, {"False", false}, {"None", pyNone{}}} {
		if strings.HasPrefix(p.s[p.i:], w.word) && !isIdent(p.at(p.i+len(w.word))) {
			p.i += len(w.word)
			return w.v, nil
		}
	}
	return nil, p.errorf("want a string, number, True, False, None, tuple or list")
}

// str parses a quoted string without escapes.
func (p *literal) str() (string, error) {
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	s := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsAny(s, "\\\n\r") {
		return "", p.errorf("string %q has an escape or a line break", s)
	}
	p.i += end + 2
	return s, nil
}

// sequence parses a tuple or list. A parenthesised value without a comma
// is that value, as in Python: (2) is 2, (2,) a tuple.
func (p *literal) sequence(depth int) (any, error) {
	open := p.s[p.i]
	close := map[byte]byte{'(': ')', '[': ']'}[open]
	p.i++
	var items []any
	comma := false
	for {
		p.space()
		if p.eat(close) {
			break
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
		if p.eat(close) {
			break
		}
		if !p.eat(',') {
			return nil, p.errorf("want ',' or %q", close)
		}
		comma = true
	}
	switch {
	case open == '[':
		return pyList(items), nil
	case len(items) == 1 && !comma:
		return items[0], nil
	}
	return pyTuple(items), nil
}

// integer parses an optionally signed decimal int (no leading zeros, as
// in Python 3), with an L suffix where long is set.
func (p *literal) integer() (any, error) {
	v := pyInt{}
	if c := p.s[p.i]; c == '+' || c == '-' {
		v.neg = c == '-'
		p.i++
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	v.digits = p.s[start:p.i]
	if v.digits == "" {
		return nil, p.errorf("want digits after the sign")
	}
	if len(v.digits) > 1 && v.digits[0] == '0' && strings.Trim(v.digits, "0") != "" {
		return nil, p.errorf("integer %s has a leading zero", v.digits)
	}
	if p.long && (p.at(p.i) == 'L' || p.at(p.i) == 'l') {
		p.i++
	}
	if c := p.at(p.i); isIdent(c) || c == '.' {
		return nil, p.errorf("want a decimal integer")
	}
	return v, nil
}

// space skips whitespace, comments and backslash line continuations.
func (p *literal) space() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			p.i++
		case c == '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case c == '\\' && (p.at(p.i+1) == '\n' || p.at(p.i+1) == '\r'):
			p.i += 2
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (p *literal) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// at returns the byte at i, or 0 past the end.
func (p *literal) at(i int) byte {
	if i < len(p.s) {
		return p.s[i]
	}
	return 0
}

// errorf reports a syntax error at the current byte, or that the text
// ended before the dictionary did.
func (p *literal) errorf(format string, args ...any) error {
	if p.i >= len(p.s) {
		return fmt.Errorf("the header ends inside the dictionary")
	}
	return fmt.Errorf("at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// show formats a parsed value as Python would print it.
func show(v any) string {
	switch v := v.(type) {
	case string:
		return "'" + v + "'"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case pyNone:
		return "None"
	case pyInt:
		return v.String()
	case pyTuple:
		if len(v) == 1 {
			return "(" + show(v[0]) + ",)"
		}
		return "(" + showItems(v) + ")"
	case pyList:
		return "[" + showItems(v) + "]"
	}
	return fmt.Sprint(v)
}

func showItems(v []any) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = show(x)
	}
	return strings.Join(s, ", ")
}
