package cmd

import (
	"fmt"

	"gsysint-demo/linked"
)

func Main(args []string, desc string) int {
	fmt.Println(desc)
	if err := linked.Check(); err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println(linked.Nanotime1(), linked.Getg().ID(), linked.StackGoid())
	return 0
}
