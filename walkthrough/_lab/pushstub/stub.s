// Empty on purpose: an assembly file in the package lets main.go
// declare a function without a body.
