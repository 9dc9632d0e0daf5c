// Package web makes the project's pages: the static report of a goroutine
// dump that `gsysint-demo report --html` writes, and the live page that
// `gsysint-demo park --http` serves.
//
// Every page is made with html/template from templates and assets embedded
// in the binary (package embed): a page asks for nothing from elsewhere, no
// CDN, no web fonts. Script only filters and folds what the HTML already
// holds, so a page reads the same with JavaScript off; but the live page's
// script also fetches its over-time section from park at each census
// sample (drawn by the server, as SVG), which with script off stays as it
// was when the page loaded.
//
// The pages render views of their own ([Report]) built from the engine's
// data (dump.Summary), so that a change to the engine's structs touches
// one conversion function, not the templates.
//
// # The library
//
// gsysint-demo's public library is park, census, dump, tracing, series and
// web. park and census reach the runtime, through package linked (which
// their users need not import): a program that imports either is built and
// tested with -ldflags=-checklinkname=0. dump, tracing and series read and
// write dumps and traces with no runtime bindings, and build anywhere; web
// makes pages from their data.
package web
