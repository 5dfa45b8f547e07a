package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rotorkernels/rotor/ops"
)

// attendMethodFlags are rotor attend's long-context flags: in-op key RoPE
// (--key-rope with the shared schedule flags and --angles), document
// masks (--q-doc, --k-doc) and log-n scaling (--logn).
type attendMethodFlags struct {
	spec       string
	angles     string
	qdoc, kdoc string
	logn       int
	sched      *scheduleFlags
}

// keyRoPEHelp documents --key-rope.
const keyRoPEHelp = "in-op RoPE of pre-RoPE keys: rank, original, capped:CAP or dual-chunk[:CHUNK_SIZE,LOCAL_SIZE] " +
	"(with a schedule: --hf-config, --head-dim/--base/--scaling or --inv-freq; an --hf-config with " +
	"dual_chunk_attention_config turns dual-chunk on by itself)"

// addAttendMethodFlags registers the long-context flags on fs.
func addAttendMethodFlags(fs *flag.FlagSet) *attendMethodFlags {
	m := &attendMethodFlags{sched: addScheduleFlags(fs)}
	fs.StringVar(&m.spec, "key-rope", "", keyRoPEHelp)
	fs.StringVar(&m.angles, "angles", "accurate", "angle pipeline of --key-rope: accurate or compat")
	fs.StringVar(&m.qdoc, "q-doc", "", "query document ids [Tq] as a .npy `FILE` (with --k-doc: document masks)")
	fs.StringVar(&m.kdoc, "k-doc", "", "slot document ids [S] as a .npy `FILE`; -1 marks an anchor every document sees")
	fs.IntVar(&m.logn, "logn", 0, "log-n scaling with training length `L`: logits of the query at q_pos p times max(1, log_L(p+1)); 0 = off")
	return m
}

// attendRoPE is the resolved in-op rotation of a run: the op's KeyRoPE
// and, for Dual Chunk Attention from a config, the context its length
// scaling starts from (0: none).
type attendRoPE struct {
	rope     *ops.KeyRoPE
	original int
	seqLen   int // --seq-len (0: from the query positions)
}

// resolve resolves --key-rope and the schedule flags of fs; nil when the
// run has no in-op RoPE. Schedule flags without --key-rope are a usage
// error, except an --hf-config carrying dual_chunk_attention_config,
// which turns Dual Chunk Attention on with the config's chunk sizes.
func (m *attendMethodFlags) resolve(fs *flag.FlagSet) (*attendRoPE, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	first := ""
	for _, name := range []string{"hf-config", "head-dim", "base", "scaling", "rotary-dim", "layout", "inv-freq",
		"attention-factor", "seq-len", "angles"} {
		if set[name] {
			first = name
			break
		}
	}
	if m.spec == "" && first == "" {
		return nil, nil
	}
	if m.spec == "" && !set["hf-config"] {
		return nil, usagef("--%s needs --key-rope", first)
	}
	mode, err := ops.ParseAngleMode(m.angles)
	if err != nil {
		return nil, badUsage(renameArgs(err, map[string]string{"angles": "--angles"}))
	}
	rot, cfg, err := m.sched.resolve()
	if err != nil {
		return nil, err
	}
	r := &attendRoPE{rope: &ops.KeyRoPE{Rotary: rot, Angles: mode}, seqLen: m.sched.seqLen}
	spec := m.spec
	if spec == "" {
		if cfg.DualChunk == nil {
			return nil, usagef("--hf-config needs --key-rope unless the config has dual_chunk_attention_config")
		}
		spec = "dual-chunk"
	}
	typ, arg, hasArg := strings.Cut(spec, ":")
	switch strings.TrimSpace(typ) {
	case "rank", "original":
		if hasArg {
			return nil, usagef("--key-rope %s takes no value (got %q)", typ, spec)
		}
		r.rope.KeyPos = ops.KeyPosRank
		if typ == "original" {
			r.rope.KeyPos = ops.KeyPosOriginal
		}
	case "capped":
		c, err := strconv.ParseInt(strings.TrimSpace(arg), 10, 32)
		if !hasArg || err != nil || c < 1 {
			return nil, usagef("--key-rope = %q: want capped:CAP with an integer distance cap ≥ 1", spec)
		}
		r.rope.KeyPos, r.rope.Cap = ops.KeyPosCapped, int32(c)
	case "dual-chunk":
		r.rope.KeyPos = ops.KeyPosDualChunk
		if cfg != nil && cfg.DualChunk != nil {
			r.rope.Chunk, r.original = cfg.DualChunk.Chunk, cfg.DualChunk.OriginalMaxPositionEmbeddings
		}
		if hasArg {
			cs, ls, ok := strings.Cut(arg, ",")
			c, err1 := strconv.ParseInt(strings.TrimSpace(cs), 10, 32)
			l, err2 := strconv.ParseInt(strings.TrimSpace(ls), 10, 32)
			if !ok || err1 != nil || err2 != nil {
				return nil, usagef("--key-rope = %q: want dual-chunk:CHUNK_SIZE,LOCAL_SIZE (integers)", spec)
			}
			r.rope.Chunk = ops.DualChunk{ChunkSize: int32(c), LocalSize: int32(l)}
		} else if cfg == nil || cfg.DualChunk == nil {
			return nil, usagef("--key-rope dual-chunk needs :CHUNK_SIZE,LOCAL_SIZE or an --hf-config with dual_chunk_attention_config")
		}
	default:
		return nil, usagef("--key-rope = %q: want rank, original, capped:CAP or dual-chunk[:CHUNK_SIZE,LOCAL_SIZE]", spec)
	}
	return r, nil
}

// lengthScale returns Dual Chunk Attention's length scaling of the query
// for a run whose query positions are qpos: over L = --seq-len, or the
// largest query position + 1 (the request's length), with the config's
// original_max_position_embeddings; 1 without them.
func (r *attendRoPE) lengthScale(qpos []int32) (scale float64, L int) {
	if r == nil || r.original <= 0 || len(qpos) == 0 {
		return 1, 0
	}
	L = r.seqLen
	if L <= 0 {
		for _, p := range qpos {
			L = max(L, int(p)+1)
		}
	}
	return ops.DualChunkLengthScale(L, r.original), L
}

// describe names the rotation for the summary line.
func (r *attendRoPE) describe() string {
	if r == nil {
		return ""
	}
	k := r.rope
	s := fmt.Sprintf(", key RoPE %v (%s, %s angles)", k.KeyPos, k.Rotary.Type, k.Angles)
	switch k.KeyPos {
	case ops.KeyPosCapped:
		s = fmt.Sprintf(", key RoPE capped at %d (%s, %s angles)", k.Cap, k.Rotary.Type, k.Angles)
	case ops.KeyPosDualChunk:
		s = fmt.Sprintf(", dual-chunk RoPE chunk %d local %d (%s, %s angles)", k.Chunk.ChunkSize, k.Chunk.LocalSize, k.Rotary.Type, k.Angles)
	}
	return s
}

// defaultScale returns the softmax scale the op takes for a 0 --scale:
// 1/√D.
func defaultScale(scale float32, D int) float64 {
	if scale != 0 {
		return float64(scale)
	}
	return 1 / math.Sqrt(float64(D))
}
