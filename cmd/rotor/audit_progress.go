package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressDelay is how long a run goes before its bar appears (unless
// forced): short runs print nothing.
const progressDelay = 2 * time.Second

// progressBar draws "audit [#####.....] 12/46" on one line of w with
// carriage returns. It is off unless w is a terminal or it is forced.
type progressBar struct {
	w      io.Writer
	on     bool
	force  bool
	start  time.Time
	drawn  bool
	lastAt time.Time
	now    func() time.Time
}

func newProgressBar(w io.Writer, force bool) *progressBar {
	return &progressBar{w: w, on: force || isTerminal(w), force: force, start: time.Now(), now: time.Now}
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update redraws the bar for done of total units (at most every 100 ms).
func (p *progressBar) update(done, total int) {
	if !p.on || total <= 0 {
		return
	}
	now := p.now()
	if !p.force && now.Sub(p.start) < progressDelay {
		return
	}
	if p.drawn && done < total && now.Sub(p.lastAt) < 100*time.Millisecond {
		return
	}
	const width = 30
	n := width * done / total
	fmt.Fprintf(p.w, "\raudit [%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
	p.drawn, p.lastAt = true, now
}

// done erases the bar if one was drawn.
func (p *progressBar) done() {
	if p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 50))
		p.drawn = false
	}
}
