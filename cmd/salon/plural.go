package main

import "strconv"

// plural writes a count with its noun in the form the count takes:
// "1 member", "2 members", "0 members".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
