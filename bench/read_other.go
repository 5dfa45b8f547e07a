//go:build !amd64 || purego

package bench

func readMethods() []readMethod { return []readMethod{{"go 8 streams", readStreams}} }
