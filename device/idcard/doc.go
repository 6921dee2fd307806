// Package idcard is the kiosk's model of the identity cards it reads: the
// second-generation resident ID card, the Hong Kong/Macau/Taiwan residence
// permit and the foreign permanent resident card.
//
// It holds what the rest of the kiosk relies on and nothing that touches
// hardware: the Card type, the Reader interface a driver implements (see
// drivers/idcard/sam for the SAM serial reader and drivers/idcard/samsim for
// its simulator), the typed errors the flow branches on, the parser of the
// card's text block (256 bytes of UCS-2 LE, fixed-width fields), validation
// (GB 11643 check digit, birth date against the ID number, validity dates
// against an injected clock) and the nation code table.
//
// # The text block (answer data of the SAM command 30 01)
//
// The answer data starts with the text length (2 bytes, big-endian, 256),
// the photo length (2 bytes, big-endian, 1024) and, for the command 30 10, the
// fingerprint length (2 bytes); then the text, the photo and the fingerprint
// data. The text is UCS-2 little-endian, each field padded with spaces.
// Offsets and lengths below are in bytes:
//
//	resident ' ' and HK/Macau/Taiwan permit 'J'     foreign permanent resident 'I'
//	  name        0:30                                 English name   0:120
//	  sex        30:2  '1' male, '2' female            sex          120:2
//	  nation     32:4  01..56, 97, 98                  permit number 122:30
//	  birth      36:16 YYYYMMDD                        nationality  152:6  (ISO 3166 alpha-3)
//	  address    52:70                                 Chinese name 158:30
//	  ID number 122:36                                 valid from   188:16
//	  authority 158:30                                 valid to     204:16
//	  valid from 188:16                                birth        220:16
//	  valid to  204:16 YYYYMMDD or 长期 (no expiry)     version      236:4
//	  'J' only: permit number 220:18, issue count 238:4 authority code 240:8
//	  card type 248:2  (' ', 'J' or 'I')                card type    248:2
//
// Sources: GB 11643-1999 (citizen identity number, ISO 7064 MOD 11-2 check
// digit), GB/T 3304-1991 (nation codes), the reader vendors' published
// protocol notes summarised in the project's DESIGN.md ("ID card reader"),
// and the Ministry of Public Security's 2017 notice on the residence permit
// for Hong Kong, Macau and Taiwan residents (the 'J' layout).
package idcard
