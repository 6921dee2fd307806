// Package alsa plays and records sound through ALSA (libasound2, with cgo):
// the only package that links the ALSA library. It registers "alsa" in
// audio.SpeakerBackends and audio.MicrophoneBackends:
//
//	alsa:default     the default device (ALSA's configuration decides)
//	alsa:hw:1,0      card 1, device 0, without conversion
//	alsa:plughw:1,0  card 1, device 0, with ALSA converting rate and format
//
// An argument may end in "?rate=HZ" (capture rate, default 16000; playback
// follows each prompt's own rate).
//
// Both directions use 16-bit signed little-endian mono, interleaved
// read/write access (snd_pcm_readi/writei), a period of about 20 ms and a
// buffer of about 100 ms. Each hardware parameter is set on its own so that
// a device that refuses one is reported by name ("the device does not take
// mono: use plughw:"), not as a bare EINVAL from snd_pcm_set_params.
//
// Sources: the ALSA library reference, PCM interface
// (https://www.alsa-project.org/alsa-doc/alsa-lib/group___p_c_m.html) and
// its hardware-parameter functions (group___p_c_m___h_w___params.html).
package alsa
