// Package sigpad is the signature pad's hardware-agnostic side: the
// Signature model (strokes of pen-down samples with time, position and
// pressure, and the pad's coordinate range and resolution), the Pad
// interface the drivers implement, acceptance rules with named reasons,
// rendering to PNG, the ISO/IEC 19794-7:2007 full-format record, and a
// content hash for the confirmation record.
//
// Drivers register in Backends: "topaz:/dev/sigpad", "wacom4:/dev/sigpad"
// and "sim:PROTO:strokes.json" (drivers/sigpad/...). The live screen reads
// Pad.Next for each sample (pen-down and pen-up, so it sees the lifts) and
// Pad.Signature for the strokes so far.
//
// # ISO/IEC 19794-7:2007 full format
//
// Written as the standard's ASN.1 module (Annex B, also published as
// GOST R ISO/IEC 19794-7-2009) lays it out, all integers big-endian:
//
//	header
//	  format identifier   4  "SDI\0"
//	  version             4  " 10\0"
//	  channel inclusion   2  bit 15 X, 14 Y, 13 Z, 12 VX, 11 VY, 10 AX,
//	                         9 AY, 8 T, 7 DT, 6 F, 5 S, 4 TX, 3 TY, 2 Az,
//	                         1 El, 0 R; X and Y are mandatory
//	  channel description, for each included channel in that order:
//	    preamble          1  bit 7 scaling value present, 6 min, 5 max,
//	                         4 mean, 3 standard deviation, 2 constant,
//	                         1 linear component removed, 0 reserved (0)
//	    scaling value     2  5-bit two's complement exponent E, 11-bit
//	                         fraction F: 2^E * (1 + F/2048)
//	    min, max, mean    2  each, when present (signed for X, Y, VX, VY,
//	                         AX, AY, TX, TY)
//	    std               2  when present
//	  reserved            1  0
//	body
//	  sample count        3
//	  samples             each included channel's value in channel order,
//	                      2 bytes each (S: 1 byte)
//	  extended data       2-byte length, then that many bytes
//
// EncodeISO writes X and Y (scaling: device units per mm, min 0, max the
// pad's range), T (scaling 1000 units per second, so T is in ms), F when
// the pad has pressure (min 0, max levels-1) and S (pen tip: 1 down, 0 up).
// Only pen-down samples are kept in a Signature; to keep strokes apart the
// encoder writes one S = 0 sample at the last point of a stroke before the
// next one, and the decoder splits strokes at S = 0 samples and drops them.
//
// Source: ISO/IEC 19794-7:2007, Information technology -- Biometric data
// interchange formats -- Part 7: Signature/sign time series data, clause 7
// and Annex B.
package sigpad
