package idcard

import "fmt"

// idWeights are the GB 11643 weights 2^(17-i) mod 11 of the first 17 digits.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// CheckDigit computes the ISO 7064 MOD 11-2 check character ('0'-'9' or 'X')
// of the first 17 digits of an ID number.
func CheckDigit(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("idcard: check digit: want 17 digits, got %d characters", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("idcard: check digit: character %d is not a digit", i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11], nil
}

// ValidIDNumber reports whether s is 18 characters (17 digits and a digit
// or X) with a correct check character.
func ValidIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	want, err := CheckDigit(s[:17])
	if err != nil {
		return false
	}
	got := s[17]
	if got == 'x' {
		got = 'X'
	}
	return got == want
}

// BirthFromID returns the birth date written in an 18-character ID number
// (characters 7-14).
func BirthFromID(s string) (Date, error) {
	if len(s) != 18 {
		return Date{}, fmt.Errorf("idcard: birth in ID number: want 18 characters, got %d", len(s))
	}
	d, err := ParseDate(s[6:14])
	if err != nil {
		return Date{}, fmt.Errorf("idcard: birth in ID number: %v", err)
	}
	return d, nil
}
