#include "textflag.h"

// func lock(l *mutex)
TEXT ·lock(SB), NOSPLIT, $0-8
	JMP runtime·lock(SB)
