// This file is empty on purpose. A Go package may declare a function without
// a body only if it also has assembly: the compiler then expects the body to
// come from elsewhere. main.go's buildDescription gets its body from
// package linked/push through //go:linkname (a push); without this file the
// compiler says "missing function body".
