package i18n

// zh is the Simplified Chinese catalogue, the default. Each template's
// arguments are noted after it.
var zh = map[string]string{
	"app.title":   "自考现场确认",
	"lang.button": "English", // the button names the language it switches to

	"layout.time": "2006年1月2日 15:04", // Go time layout
	"layout.date": "2006年1月2日",       // Go time layout

	"step.card":      "身份证",
	"step.face":      "人脸核验",
	"step.photo":     "照片",
	"step.signature": "签名",
	"step.done":      "完成",

	"btn.cancel":    "取消",
	"btn.retry":     "重试",
	"btn.back":      "返回首页",
	"btn.clear":     "清除",
	"btn.confirm":   "确认",
	"btn.retake":    "重拍",
	"btn.use_photo": "使用此照片",
	"btn.finish":    "完成",
	"btn.ok":        "确定",
	"btn.delete":    "删除",

	"attract.title":    "请将身份证放在读卡区",
	"attract.subtitle": "自学考试考生现场确认",
	"attract.hint":     "或轻触屏幕开始",

	"card.place.title":   "请放置身份证",
	"card.place.body":    "将第二代居民身份证（或外国人永久居留身份证、港澳台居民居住证）平放在屏幕下方的读卡区，读取完成前请保持不动。",
	"card.reading.title": "正在读取身份证…",
	"card.reading.body":  "请勿移动证件",

	"roster.missing.title": "未找到您的报名信息",
	"roster.missing.body":  "%s，系统中没有您待确认的报名记录。请核对报名考区，或咨询工作人员。", // name
	"roster.done.title":    "您已完成现场确认",
	"roster.done.body":     "%s，您已于 %s 完成现场确认，无需再次确认。", // name, time
	"card.expired.title":   "证件已过期",
	"card.expired.body":    "该证件的有效期至 %s，已经过期。请使用有效证件，或咨询工作人员。", // date
	"card.failed.title":    "读卡失败",

	"reason.card.moved":       "证件被移开了。请将证件平放在读卡区，读取完成前不要移动。",
	"reason.card.unreadable":  "无法读取证件芯片。请确认使用的是本人有效证件，然后重新放置。",
	"reason.card.unsupported": "不支持此类证件。",
	"reason.card.invalid":     "证件信息校验未通过，请咨询工作人员。",
	"reason.timeout":          "操作超时。",
	"reason.liveness":         "活体检测未通过。请本人正对摄像头，按提示完成动作。",
	"reason.photo":            "未能拍到合格的报名照片。",
	"reason.save":             "记录保存失败，请咨询工作人员。",
	"reason.device":           "设备故障，请咨询工作人员。",
	"reason.device_failed":    "设备故障，本次确认未完成，没有保存任何信息。",
	"card.take":               "请取回身份证",
	"card.invalid.title":      "证件校验失败",
	"card.invalid.body":       "证件校验失败，请联系工作人员。",
	"reason.unknown":          "发生未知错误。",

	"live.title":    "活体检测",
	"live.progress": "动作 %d / %d", // current, total
	"live.seconds":  "秒",

	"challenge.look":        "请正对摄像头",
	"challenge.blink":       "请眨眨眼",
	"challenge.turn_left":   "请向左转头",
	"challenge.turn_right":  "请向右转头",
	"challenge.nod":         "请点点头",
	"challenge.read_digits": "请读出以下数字",

	"guide.ok":          "很好，请保持",
	"guide.move_closer": "请靠近一点",
	"guide.move_back":   "请离远一点",
	"guide.too_dark":    "光线太暗",
	"guide.too_bright":  "光线太亮",
	"guide.face_camera": "请正对摄像头",
	"guide.no_face":     "未检测到人脸",
	"guide.one_face":    "画面中只能有一人",
	"guide.hold_still":  "请保持不动",
	"guide.centre":      "请将脸移到框内",

	"match.title":        "正在比对人脸…",
	"match.body":         "请稍候",
	"match.failed.title": "人脸比对未通过",
	"match.failed.body":  "请正对摄像头，摘下帽子、口罩和眼镜后重试。",
	"match.failed.left":  "还可以尝试 %d 次", // attempts left
	"match.failed.none":  "尝试次数已用完，请咨询工作人员。",

	"photo.title":               "拍摄报名照片",
	"photo.body":                "请摘下帽子和眼镜，正对镜头，头部保持在框内。",
	"photo.ok":                  "照片条件良好，请保持不动",
	"photo.hint.no_face":        "未检测到人脸",
	"photo.hint.too_dark":       "光线太暗",
	"photo.hint.uneven_light":   "面部光照不均匀",
	"photo.hint.blurry":         "照片模糊，请保持不动",
	"photo.hint.eyes_closed":    "请睁开眼睛",
	"photo.hint.not_frontal":    "请正对镜头",
	"photo.hint.background":     "背景不是浅蓝色",
	"photo.hint.too_far":        "请靠近一点",
	"photo.hint.too_close":      "请离远一点",
	"photo.hint.off_centre":     "请将头部移到框的中央",
	"photo.hint.multiple_faces": "画面中只能有一人",
	"photo.hint.mismatch":       "照片与本人不符",
	"review.title":              "确认报名照片",
	"review.body":               "此照片将用于准考证。满意请点“使用此照片”，否则请重拍。",

	"sig.title":           "请在签名板上签名",
	"sig.body":            "请用签名笔签写您的姓名，完成后点“确认”。",
	"sig.empty":           "签名将显示在这里",
	"refusal.sig.empty":   "未检测到签名，请在签名板上签名。",
	"refusal.sig.trivial": "签名过于简单，请签写完整姓名。",
	"refusal.sig.small":   "签名太小，请写大一些。",

	"saving.title": "正在保存…",
	"saving.body":  "请稍候，暂时不要离开",

	"done.title":        "确认完成",
	"done.body":         "%s，您的现场确认已完成。", // name
	"done.time":         "确认时间：%s",       // time
	"done.take_card":    "请取回您的身份证",
	"done.ref":          "确认编号：%s", // reference
	"done.qr":           "扫码保存确认编号",
	"done.next":         "下一步：请于考前在报名网站打印准考证，凭身份证和准考证参加考试。",
	"still.title":       "还在吗？",
	"still.body":        "%d 秒后将结束本次确认。如需继续，请点“继续”。", // seconds
	"btn.continue":      "继续",
	"btn.large_text":    "大字模式",
	"btn.is_me":         "是我本人",
	"btn.not_me":        "不是我 / 离开",
	"reg.title":         "请核对您的报名信息",
	"reg.body":          "信息无误请点“是我本人”继续人脸核验；不是您本人请点“不是我 / 离开”。",
	"reg.name":          "姓名",
	"reg.id":            "身份证号",
	"reg.no":            "准考证号",
	"reg.period":        "考试时间",
	"reg.subjects":      "报考科目",
	"reg.site":          "考点",
	"reg.none":          "—",
	"live.retry.title":  "活体检测未通过",
	"live.retry.left":   "还可以再试 %d 次。准备好后请点“重试”。", // attempts
	"sig.declaration":   "本人确认以上报名信息真实、准确，本人签名与照片用于本次自学考试报名确认。",
	"sig.left":          "还可提交 %d 次。", // attempts
	"refusal.sig.first": "请先签名。",
	"done.clear":        "本页面将在 %d 秒后清除", // seconds

	"fail.title": "未能完成确认",

	"oos.title":  "暂停服务",
	"oos.body":   "本机暂时无法使用，请联系工作人员。给您带来不便，敬请谅解。",
	"oos.device": "故障设备：%s", // device name
	"oos.code":   "故障代码：%s", // code

	"device.idcard":  "身份证读卡器",
	"device.camera":  "摄像头",
	"device.sigpad":  "签名板",
	"device.gpio":    "人体感应器",
	"device.storage": "存储",
	"device.network": "网络",
	"device.models":  "人脸模型",

	"tech.pin.title":            "技术人员验证",
	"tech.pin.body":             "请输入维护密码",
	"tech.pin.wrong":            "密码错误，请重新输入",
	"tech.menu.title":           "维护菜单",
	"tech.device_id":            "设备编号：%s",  // id
	"tech.site":                 "考点：%s",    // site
	"tech.version":              "软件版本：%s",  // version
	"tech.pending":              "待同步记录：%d", // count
	"tech.status.ok":            "正常",
	"tech.status.fail":          "故障",
	"tech.selftest":             "硬件自检",
	"tech.sync":                 "立即同步",
	"tech.restart":              "重启程序",
	"tech.exit":                 "退出维护",
	"tech.restart.ask":          "重启程序？",
	"tech.restart.body":         "程序将退出并由系统自动重新启动，约需半分钟。",
	"tech.restart.yes":          "确认重启",
	"tech.restarting":           "正在重启…",
	"tech.detail.loaded":        "已加载",
	"tech.detail.skipped":       "未配置",
	"tech.detail.failed":        "打开失败",
	"tech.detail.models_failed": "模型加载失败",
	"tech.sync.idle":            "空闲",
	"tech.sync.syncing":         "正在同步",
	"tech.sync.backoff":         "稍后重试",
	"tech.sync.offline":         "离线（未配置中心）",
	"tech.sync.never":           "尚未同步",
	"tech.msg.offline":          "离线：未配置中心平台",
	"tech.msg.sync_failed":      "同步失败：%s",                                // error
	"tech.msg.synced":           "同步完成：上传 %d 条，重复 %d 条，被拒 %d 条，名册更新 %d 条", // uploaded, duplicates, rejected, roster entries
	"tech.msg.selftest_ok":      "硬件自检：全部 %d 项通过",                         // checks
	"tech.msg.selftest_fail":    "硬件自检：%d 项中 %d 项失败：%s",                   // checks, failed, names
	"tech.working":              "正在执行…",
}
