// Package wacom4 drives pads speaking Wacom serial protocol IV, decoded as
// the Linux kernel's drivers/input/tablet/wacom_serial4.c does: 9600 baud
// 8N1, ASCII set-up commands, then 7-byte binary packets with pressure.
//
// # Set-up (host to pad, pad's answer ends in CR)
//
//	"~#"    model and ROM version: "~#UD-0608-R00 V1.3-4\r"; the two
//	        letters after "~#" name the model family: PL/DT Cintiq,
//	        UD Digitizer II, ET Graphire, CT PenPartner
//	"~R\r"  configuration: "~R%x,%u,%u,%u,%u": the last two are the X and
//	        Y resolution in lines per inch
//	"~C\r"  maximum coordinates: "~C%u,%u"
//	then the set-up string, for most models
//	"MU1\rOC1\r~M0\r~M1\rIT0\rIN0\rSR\rZF1\rST\r" (multi mode, origin top
//	left, macro buttons, transmit at the maximum rate, absolute mode,
//	continuous mode, Z filter, start sending packets).
//
// The kernel waits one second for each answer; New gives the whole set-up
// (at most three queries) three seconds. ~R and ~C are skipped for models
// whose resolution or range the driver knows.
//
// # Packet (pad to host)
//
//	byte 0  bit 7 sync (1), bit 6 proximity, bit 5 stylus (0: cursor),
//	        bit 3 a button pressed, bit 2 pressure bit P0 (some models),
//	        bits 1-0 X15-X14
//	byte 1  X13-X7          byte 2  X6-X0
//	byte 3  bits 6-3 buttons B3-B0 (B0: the tip touches), bit 2 pressure
//	        bit P1, bits 1-0 Y15-Y14
//	byte 4  Y13-Y7          byte 5  Y6-Y0
//	byte 6  bit 6 the sign of the pressure, bits 5-0 P7-P2
//
// Bytes 1-6 have bit 7 clear. Pressure, for a stylus in proximity, with
// extra_z_bits = 1 (the default) is z = (b6&0x7F)<<1 | (b3&4)>>2, then
// z ^= 0x80 (the sign bit is inverted): 0..255. Graphire and some Cintiqs
// have two extra bits (0..511, P0 from byte 0), early Digitizer II ROMs
// none (0..127).
//
// A byte with bit 7 set starts a packet; a CR outside a packet ends an
// answer; 32 bytes without either are thrown away. So the decoder is back
// in step at the next packet after any line noise.
//
// Times of a captured stream are reconstructed from the packet count at
// the nominal Rate; a live pad's samples are stamped as they arrive.
//
// Sources: Linux drivers/input/tablet/wacom_serial4.c (Julian Squires,
// Hans de Goede), which documents the protocol from linuxwacom-0.9.9.
package wacom4
