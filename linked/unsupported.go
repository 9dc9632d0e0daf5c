//go:build !go1.26 || go1.28 || !linux || !(amd64 || arm64)

package linked

// gsysint-demo writes into the runtime's reason tables and reads fields of
// the runtime's g at fixed offsets. Both were vetted only on Go 1.26 and 1.27,
// linux/amd64 and linux/arm64: elsewhere the layout may differ, and a wrong
// guess corrupts memory silently. So this package refuses to compile here.
// To support a new version, compare runtime/runtime2.go and
// runtime/traceruntime.go with the files named for the last vetted range
// (catalog_go126.go, g_go126.go, allgs_go126.go, mutex_go126*.go), add
// files for the new range, widen this file's constraint, and run the
// tests (see doc.go and README.md, "A new Go version"; TestNextVersion
// lists every place).
var _ = gsysintDemoIsNotVettedForThisGoVersionOrArch_SeeREADME

// The rest of this file declares, with values that mean nothing, every identifier
// the per-version files define, so that the generic code still type-checks
// here and the line above is the one error the compiler reports.
// TestRefusalDeclaresWhatVersionFilesDefine keeps the two lists equal.

// As in catalog_go126.go.
const (
	waitReasonCount  = 1
	traceReasonCount = 1
)

var (
	vetted      Catalog
	pairedTrace [waitReasonCount]TraceReason
)

// As in g_go126.go.
const (
	offAtomicstatus = 0
	offGoid         = 0
	offWaitreason   = 0
)

const ( // distinct, as a switch in g.go requires
	StatusRunning = 1
	StatusWaiting = 2
	StatusLeaked  = 3
	statusScan    = 4
)

// As in mutex_go126.go.
type mutexLayout struct{}

// As in allgs_go126.go.
var (
	vettedLayout gLayout
	statusWords  [1]string
)

const (
	StatusIdle      = 5
	StatusRunnable  = 6
	StatusSyscall   = 7
	StatusDead      = 8
	StatusCopystack = 9
	StatusPreempted = 10
	StatusDeadExtra = 11

	fingRunningFinalizer = 0
)
