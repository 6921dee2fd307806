package i18n

// Prompt is the spoken instruction of one screen: the Chinese text, its
// pinyin with tone numbers (1-4, 5 for the neutral tone; what espeak-ng's
// cmn-latn-pinyin voice reads, since it reads Chinese characters badly),
// and the English text. Tone sandhi is written as spoken (不要 bu2 yao4,
// 可以 ke2 yi3), since the voice does not apply it.
type Prompt struct {
	// Screen is the flow step the prompt belongs to (flow.Step.String()).
	Screen string
	ZH     string
	Pinyin string
	EN     string
}

// Prompts are the voice prompts, one per screen that instructs the
// candidate. build/prompts turns them into WAV files at build time.
var Prompts = []Prompt{
	{"attract", "欢迎使用自考现场确认。请将身份证放在读卡区。",
		"huan1 ying2 shi3 yong4 zi4 kao3 xian4 chang3 que4 ren4. qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1.",
		"Welcome to the self-study exam confirmation. Please place your ID card on the reader."},
	{"place_card", "请将身份证放在读卡区，不要移动。",
		"qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1, bu2 yao4 yi2 dong4.",
		"Please place your ID card on the reader and keep it still."},
	{"reading_card", "正在读卡，请不要移动身份证。",
		"zheng4 zai4 du2 ka3, qing3 bu2 yao4 yi2 dong4 shen1 fen4 zheng4.",
		"Reading the card. Please do not move it."},
	{"card_problem", "身份证无法使用，请看屏幕上的说明。",
		"shen1 fen4 zheng4 wu2 fa3 shi3 yong4, qing3 kan4 ping2 mu4 shang4 de5 shuo1 ming2.",
		"This ID card cannot be used. Please read the screen."},
	{"liveness", "请正对摄像头，按照屏幕提示完成动作。",
		"qing3 zheng4 dui4 she4 xiang4 tou2, an4 zhao4 ping2 mu4 ti2 shi4 wan2 cheng2 dong4 zuo4.",
		"Please face the camera and follow the instructions on the screen."},
	{"matching", "正在核验，请稍候。",
		"zheng4 zai4 he2 yan4, qing3 shao1 hou4.",
		"Checking. Please wait."},
	{"match_failed", "人脸核验未通过，可以重试。",
		"ren2 lian3 he2 yan4 wei4 tong1 guo4, ke2 yi3 chong2 shi4.",
		"The face check did not pass. You may try again."},
	{"photo", "请正对镜头，保持不动，准备拍照。",
		"qing3 zheng4 dui4 jing4 tou2, bao3 chi2 bu2 dong4, zhun3 bei4 pai1 zhao4.",
		"Please face the camera and keep still. The photo will be taken."},
	{"photo_review", "请确认照片，或者重拍。",
		"qing3 que4 ren4 zhao4 pian4, huo4 zhe3 chong2 pai1.",
		"Please confirm the photo, or take it again."},
	{"signature", "请在签名板上签名，然后点击确认。",
		"qing3 zai4 qian1 ming2 ban3 shang4 qian1 ming2, ran2 hou4 dian3 ji1 que4 ren4.",
		"Please sign on the signature pad, then tap Confirm."},
	{"saving", "正在保存，请稍候。",
		"zheng4 zai4 bao3 cun2, qing3 shao1 hou4.",
		"Saving. Please wait."},
	{"done", "现场确认已完成。请取回身份证。",
		"xian4 chang3 que4 ren4 yi3 wan2 cheng2. qing3 qu3 hui2 shen1 fen4 zheng4.",
		"Your confirmation is complete. Please take your ID card."},
	{"failed", "未能完成确认。请取回身份证，如需帮助请联系工作人员。",
		"wei4 neng2 wan2 cheng2 que4 ren4. qing3 qu3 hui2 shen1 fen4 zheng4, ru2 xu1 bang1 zhu4 qing3 lian2 xi4 gong1 zuo4 ren2 yuan2.",
		"The confirmation could not be completed. Please take your ID card. For help, please ask a member of staff."},
	{"out_of_service", "本机暂停服务，请联系工作人员。",
		"ben3 ji1 zan4 ting2 fu2 wu4, qing3 lian2 xi4 gong1 zuo4 ren2 yuan2.",
		"This kiosk is out of service. Please ask a member of staff."},
}

// PromptFor returns the prompt of a screen.
func PromptFor(screen string) (Prompt, bool) {
	for _, p := range Prompts {
		if p.Screen == screen {
			return p, true
		}
	}
	return Prompt{}, false
}

// Spoken is what the voice of l reads: the pinyin for Chinese, the text
// for English.
func (p Prompt) Spoken(l Lang) string {
	if l == EN {
		return p.EN
	}
	return p.Pinyin
}
