// Package topaz drives Topaz signature pads on a serial line: 19200 baud,
// 8N1, 5-byte binary packets, no pressure, no set-up commands.
//
// # Packet
//
//	byte 0  bit 7 sync (1), bit 6 proximity, bit 0 pen down, others 0
//	byte 1  bit 7 0, bits 6-0 X6-X0
//	byte 2  bit 7 0, bits 6-5 must be 0, bits 4-0 X11-X7
//	byte 3  bit 7 0, bits 6-0 Y6-Y0
//	byte 4  bit 7 0, bits 6-5 must be 0, bits 4-0 Y11-Y7
//
// X = (b2&0x1F)<<7 | (b1&0x7F), Y = (b4&0x1F)<<7 | (b3&0x7F): 12 bits. A
// packet with b2&0xE0 or b4&0xE0 set is invalid and dropped. A byte with bit
// 7 set always starts a new packet (an unfinished one is dropped); bytes
// without it are ignored until one comes. So the decoder is back in step at
// the first good packet after any line noise.
//
// The pad reports while the pen is near. Times of a captured stream are
// reconstructed from the packet count at the nominal Rate; a live pad's
// samples are stamped with the clock as they arrive.
//
// Sources: the packet layout as given in the kiosk design (DESIGN.md,
// "Signature pads"); Topaz Systems' serial pad interface notes.
package topaz
