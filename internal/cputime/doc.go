// Package cputime reads the CPU time the operating system has counted
// for the calling thread or the whole process, for measurements that
// must not count time the thread spent waiting for a shared core.
package cputime
