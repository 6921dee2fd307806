package all

// GPIO panels: "gpiochip" (Linux GPIO character devices) and "sim".
import (
	_ "github.com/hbzk/kiosk/drivers/gpio/gpiochip"
	_ "github.com/hbzk/kiosk/drivers/gpio/gpiosim"
)
