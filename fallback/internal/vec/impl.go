package vec

// implName names the hot-loop implementation in use. It is "purego" for
// the plain-Go loops; an assembly dispatch sets it when it installs its
// variants at start-up.
var implName = "purego"

// Impl names the implementation the exported functions run, e.g.
// "purego".
func Impl() string { return implName }
