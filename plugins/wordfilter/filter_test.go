package main

import "testing"

func TestMask(t *testing.T) {
	f := newFilter([]string{"darn", "Heck", "dang it", "x1"})
	cases := map[string]string{
		"well darn":      "well ****",
		"DARN it, Darn!": "**** it, ****!",
		"darned":         "darned",
		"undarn":         "undarn",
		"heck-darn":      "****-****",
		"oh heck.":       "oh ****.",
		"what the HeCk":  "what the ****",
		"dang it all":    "**** ** all",
		"dang":           "dang",
		"x1 marks":       "*1 marks",
		"nothing to see": "nothing to see",
		"tab\tdarn\tsep": "tab\t****\tsep",
		"éDARNé":         "éDARNé",
		"darn darn":      "**** ****",
		"":               "",
	}
	for in, want := range cases {
		got, found := f.mask(in)
		if got != want || found != (in != want) {
			t.Errorf("mask(%q) = %q, %v; want %q", in, got, found, want)
		}
	}
}

func TestValidWord(t *testing.T) {
	for w, want := range map[string]bool{"darn": true, "dang it": true, "x": true, "é": true,
		"": false, " darn": false, "darn ": false, "-x": false, "x!": false, "\xff": false} {
		if validWord(w) != want {
			t.Errorf("validWord(%q) = %v", w, !want)
		}
	}
}
