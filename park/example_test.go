package park_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log"
	"regexp"

	"gsysint-demo/dump"
	"gsysint-demo/park"
)

// Park one goroutine with custom text as its wait reason, find its header
// in a goroutine dump, and release it. (The goroutine id varies from run to
// run, so the example prints it as N.)
func Example() {
	p, err := park.New()
	if err != nil {
		log.Fatal(err)
	}
	defer p.Release()
	pks, err := p.Park(context.Background(), park.Group{Reason: "waiting for godot", Count: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pks[0])

	var b bytes.Buffer
	if _, err := dump.WriteGoroutineText(&b); err != nil {
		log.Fatal(err)
	}
	header := regexp.MustCompile(`^goroutine \d+ (\[waiting for godot\]:)$`)
	for sc := bufio.NewScanner(&b); sc.Scan(); {
		if m := header.FindStringSubmatch(sc.Text()); m != nil {
			fmt.Println("goroutine N", m[1])
		}
	}
	fmt.Println("released", p.Release().Released)
	// Output:
	// 1 goroutine: reason "waiting for godot" (custom, slot 31), trace reason "unspecified" (0)
	// goroutine N [waiting for godot]:
	// released 1
}
