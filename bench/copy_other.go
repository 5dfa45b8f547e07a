//go:build !amd64 || purego

package bench

func copyMethods() []copyMethod { return []copyMethod{{"go copy", goCopy}} }
