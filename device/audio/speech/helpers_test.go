package speech

import "os"

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "speech-digits") }
