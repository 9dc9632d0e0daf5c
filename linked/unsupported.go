//go:build !go1.26 || go1.28 || !linux || !(amd64 || arm64)

package linked

// gsysint-demo writes into the runtime's reason tables and reads fields of
// the runtime's g at fixed offsets. Both were vetted only on Go 1.26 and 1.27,
// linux/amd64 and linux/arm64: elsewhere the layout may differ, and a wrong
// guess corrupts memory silently. So this package refuses to
// compile here. To support a new version, compare runtime/runtime2.go and
// runtime/traceruntime.go with catalog_go126.go and g_go126.go, add files for
// the new range, and run the tests (see README.md, "A new Go version").
var _ = gsysintDemoIsNotVettedForThisGoVersionOrArch_SeeREADME
