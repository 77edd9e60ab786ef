package main

import "os"

// osGetenv is the process environment, the getenv of the real commands;
// tests pass maps instead.
func osGetenv(name string) string { return os.Getenv(name) }
