/* A stand-in for a vendor's libwlt2bmp.so, for the tests: it "decodes" a
   photo whose first byte is 'W' into a 102x126 BMP file filled with the
   colour given by bytes 1..3 (R, G, B), and fails on anything else. */
#include <string.h>

static void le32(unsigned char *p, unsigned v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

int unpack(char *src, char *dst, int save) {
	unsigned char *d = (unsigned char *)dst;
	int x, y, stride = 308;
	(void)save;
	if (src[0] != 'W') return -1;
	memset(d, 0, 54);
	d[0] = 'B'; d[1] = 'M';
	le32(d + 2, 54 + stride * 126);
	le32(d + 10, 54);
	le32(d + 14, 40);
	le32(d + 18, 102);
	le32(d + 22, 126);
	d[26] = 1; d[28] = 24;
	le32(d + 34, stride * 126);
	for (y = 0; y < 126; y++) {
		unsigned char *row = d + 54 + y * stride;
		memset(row, 0, stride);
		for (x = 0; x < 102; x++) {
			row[3 * x] = src[3]; row[3 * x + 1] = src[2]; row[3 * x + 2] = src[1];
		}
	}
	return 1;
}
