// Package sam drives second-generation ID card readers built around the
// Ministry of Public Security's SAM (security access module), over a serial
// line at 115200 8N1.
//
// # Frames
//
//	AA AA AA 96 69 | LEN (2, big-endian) | body | XOR
//
// LEN counts the bytes after itself, the checksum included. XOR is the
// exclusive-or of LEN's two bytes and every body byte. A request body is
// CMD PARA [data]; an answer body is SW1 SW2 SW3 [data], where SW1 SW2 are
// 00 00 and SW3 is the status:
//
//	90 ok              9F card found        80 find failed     81 select failed
//	10 checksum error  11 length error      21 command error   23 unauthorised
//	24 unknown error   31 SAM-card auth     32 card-SAM auth   33 information auth
//	40 unknown card    41 read failed       47 random number   60 SAM self-test failed
//	66 SAM not authorised                   91 no content
//
// Commands (CMD PARA): 11 FF SAM status, 12 FF SAM id (16 bytes of data:
// two 16-bit and three 32-bit little-endian numbers, printed
// "05.01-20101028-0000123456-1234567890"), 20 01 find card, 20 02 select
// card, 30 01 read text and photo, 30 10 read text, photo and fingerprint,
// 30 03 read the appended address. The 30 01 data is described in package
// device/idcard (ParseChipData).
//
// # Behaviour this driver relies on
//
// After a card has been read, 20 01 answers 80 until the card has left the
// field and come back. 20 02 answers 90 while a card lies in the field
// (read or not) and 81 when none does: WaitRemoved polls it. A read that
// fails with 41 is followed by a select: 81 means the card was taken away
// mid-read (idcard.ErrCardRemoved), 90 that the read may be retried.
// Answers carry no sequence number, so after a time-out the session waits
// for the line to fall quiet before its next request and drops answers that
// do not fit the request.
//
// Sources: the frame and status summary in the project's DESIGN.md ("ID card
// reader"), itself drawn from the reader vendors' published protocol notes
// (GA 467-2013, "居民身份证验证安全控制模块接口技术规范", and the SDK manuals
// of common SAM readers); the SAM id layout from vendors' sample code.
package sam
