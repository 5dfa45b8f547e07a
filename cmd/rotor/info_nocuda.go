//go:build !cuda

package main

// cudaInfo has nothing to describe without the cuda build tag.
func cudaInfo() (devs []deviceJSON, nvrtc string) { return nil, "" }
