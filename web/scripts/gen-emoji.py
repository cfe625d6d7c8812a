#!/usr/bin/env python3
"""Writes src/components/emojiData.gen.ts: the emoji picker's bundled list.

The emoji are picked by hand below, per category; their names come from
Python's unicodedata (lowercased), with a few extra search words. No
network, no dependency. Run from web/: python3 scripts/gen-emoji.py
"""
import json
import unicodedata

VS16 = "\ufe0f"

CATEGORIES = [
    ("smileys", "Smileys", "😀",
     "😀 😃 😄 😁 😆 😅 🤣 😂 🙂 🙃 😉 😊 😇 🥰 😍 🤩 😘 😗 😚 😙 😋 😛 😜 🤪 😝 🤑 🤗 🤭 🤫 🤔 "
     "🤐 🤨 😐 😑 😶 😏 😒 🙄 😬 😌 😔 😪 🤤 😴 😷 🤒 🤕 🤢 🤮 🤧 🥵 🥶 🥴 😵 🤯 🤠 🥳 😎 🤓 🧐 "
     "😕 😟 🙁 😮 😯 😲 😳 🥺 😦 😧 😨 😰 😥 😢 😭 😱 😖 😣 😞 😓 😩 😫 🥱 😤 😡 😠 🤬 😈 👿 💀 "
     "💩 🤡 👻 👽 🤖 😺 😸 😹 😻 😼 😽 🙀 😿 😾 🙈 🙉 🙊"),
    ("people", "People", "👋",
     "👋 🤚 🖐 ✋ 🖖 👌 🤏 ✌ 🤞 🤟 🤘 🤙 👈 👉 👆 👇 ☝ 👍 👎 ✊ 👊 🤛 🤜 👏 🙌 👐 🤲 🤝 🙏 ✍ "
     "💅 🤳 💪 🦾 👀 👁 👅 👄 🧠 👶 🧒 👦 👧 🧑 👱 👨 🧔 👩 🧓 👴 👵 🙍 🙎 🙅 🙆 💁 🙋 🧏 🙇 🤦 🤷 "
     "👮 🕵 💂 👷 🤴 👸 👳 🧕 🤵 👰 🤰 🤱 👼 🎅 🤶 🦸 🦹 🧙 🧚 🧛 🧜 🧝 🧞 🧟 💆 💇 🚶 🧍 🧎 🏃 💃 🕺 "
     "👯 🧖 🧗 🤺 🏇 ⛷ 🏂 🏌 🏄 🚣 🏊 ⛹ 🏋 🚴 🚵 🤸 🤼 🤽 🤾 🤹 🧘 🛀 🛌 👭 👫 👬 💏 💑 👪 🗣 👤 👥"),
    ("nature", "Animals & nature", "🐶",
     "🐶 🐱 🐭 🐹 🐰 🦊 🐻 🐼 🐨 🐯 🦁 🐮 🐷 🐸 🐵 🐔 🐧 🐦 🐤 🦆 🦅 🦉 🦇 🐺 🐗 🐴 🦄 🐝 🐛 🦋 "
     "🐌 🐞 🐜 🦗 🕷 🦂 🐢 🐍 🦎 🦖 🦕 🐙 🦑 🦐 🦞 🦀 🐡 🐠 🐟 🐬 🐳 🐋 🦈 🐊 🐅 🐆 🦓 🦍 🐘 🦛 "
     "🦏 🐪 🐫 🦒 🦘 🐃 🐂 🐄 🐎 🐖 🐏 🐑 🦙 🐐 🦌 🐕 🐩 🐈 🐓 🦃 🦚 🦜 🦢 🦩 🕊 🐇 🦝 🦨 🦡 🦦 "
     "🦥 🐁 🐀 🐿 🦔 🐾 🐉 🐲 🌵 🎄 🌲 🌳 🌴 🌱 🌿 ☘ 🍀 🎍 🎋 🍃 🍂 🍁 🍄 🐚 🌾 💐 🌷 🌹 🥀 🌺 "
     "🌸 🌼 🌻 🌞 🌝 🌛 🌜 🌚 🌕 🌙 🌎 🪐 💫 ⭐ 🌟 ✨ ⚡ ☄ 💥 🔥 🌪 🌈 ☀ 🌤 ⛅ 🌥 ☁ 🌦 🌧 ⛈ "
     "🌩 🌨 ❄ ☃ ⛄ 🌬 💨 💧 💦 ☔ ☂ 🌊 🌫"),
    ("food", "Food & drink", "🍔",
     "🍏 🍎 🍐 🍊 🍋 🍌 🍉 🍇 🍓 🍈 🍒 🍑 🥭 🍍 🥥 🥝 🍅 🍆 🥑 🥦 🥬 🥒 🌶 🌽 🥕 🧄 🧅 🥔 🍠 🥐 "
     "🥯 🍞 🥖 🥨 🧀 🥚 🍳 🧈 🥞 🧇 🥓 🥩 🍗 🍖 🌭 🍔 🍟 🍕 🥪 🥙 🧆 🌮 🌯 🥗 🥘 🥫 🍝 🍜 🍲 🍛 "
     "🍣 🍱 🥟 🍤 🍙 🍚 🍘 🍥 🥠 🥮 🍢 🍡 🍧 🍨 🍦 🥧 🧁 🍰 🎂 🍮 🍭 🍬 🍫 🍿 🍩 🍪 🌰 🥜 🍯 🥛 "
     "🍼 ☕ 🍵 🧃 🥤 🍶 🍺 🍻 🥂 🍷 🥃 🍸 🍹 🧉 🍾 🧊 🥄 🍴 🍽 🥣 🥡 🥢 🧂"),
    ("activities", "Activities", "⚽",
     "⚽ 🏀 🏈 ⚾ 🥎 🎾 🏐 🏉 🥏 🎱 🏓 🏸 🏒 🏑 🥍 🏏 🥅 ⛳ 🏹 🎣 🤿 🥊 🥋 🎽 🛹 🛷 ⛸ 🥌 🎿 🏆 "
     "🥇 🥈 🥉 🏅 🎖 🏵 🎗 🎫 🎟 🎪 🎭 🩰 🎨 🎬 🎤 🎧 🎼 🎹 🥁 🎷 🎺 🎸 🪕 🎻 🎲 ♟ 🎯 🎳 🎮 🎰 "
     "🧩 🎉 🎊 🎈 🎁 🎀 🎃 🎆 🎇 🧨 🎐 🎑 🎏"),
    ("travel", "Travel & places", "✈",
     "🚗 🚕 🚙 🚌 🚎 🏎 🚓 🚑 🚒 🚐 🚚 🚛 🚜 🛴 🚲 🛵 🏍 🛺 🚨 🚔 🚍 🚘 🚖 🚡 🚠 🚟 🚃 🚋 🚞 🚝 "
     "🚄 🚅 🚈 🚂 🚆 🚇 🚊 🚉 ✈ 🛫 🛬 🛩 💺 🛰 🚀 🛸 🚁 🛶 ⛵ 🚤 🛥 🛳 ⛴ 🚢 ⚓ ⛽ 🚧 🚦 🚥 🚏 "
     "🗺 🗿 🗽 🗼 🏰 🏯 🏟 🎡 🎢 🎠 ⛲ ⛱ 🏖 🏝 🏜 🌋 ⛰ 🏔 🗻 🏕 ⛺ 🏠 🏡 🏘 🏚 🏗 🏭 🏢 🏬 🏣 "
     "🏤 🏥 🏦 🏨 🏪 🏫 🏩 💒 🏛 ⛪ 🕌 🕍 🛕 🕋 ⛩ 🛤 🛣 🗾 🎑 🏞 🌅 🌄 🌠 🎇 🌇 🌆 🏙 🌃 🌌 🌉 🌁"),
    ("objects", "Objects", "💡",
     "⌚ 📱 💻 ⌨ 🖥 🖨 🖱 💽 💾 💿 📀 📷 📸 📹 🎥 📞 ☎ 📺 📻 🎙 ⏱ ⏰ ⌛ ⏳ 📡 🔋 🔌 💡 🔦 🕯 "
     "🧯 💸 💵 💰 💳 💎 ⚖ 🧰 🔧 🔨 ⚒ 🛠 ⛏ 🔩 ⚙ 🧱 ⛓ 🧲 🔫 💣 🔪 🗡 ⚔ 🛡 🔮 📿 🧿 💈 ⚗ 🔭 "
     "🔬 💊 💉 🧬 🦠 🧪 🌡 🧹 🧺 🧻 🚽 🚿 🛁 🧼 🧽 🔑 🗝 🚪 🛋 🛏 🧸 🖼 🛍 🛒 🎁 ✉ 📩 📨 📧 💌 "
     "📥 📤 📦 🏷 📪 📬 📮 📜 📃 📄 📑 🧾 📊 📈 📉 🗒 🗓 📆 📅 🗑 📇 🗃 🗳 🗄 📋 📁 📂 🗂 🗞 📰 "
     "📓 📔 📒 📕 📗 📘 📙 📚 📖 🔖 🧷 🔗 📎 🖇 📐 📏 🧮 📌 📍 ✂ 🖊 🖋 ✒ 🖌 🖍 📝 ✏ 🔍 🔎 🔏 "
     "🔐 🔒 🔓"),
    ("symbols", "Symbols", "❤",
     "❤ 🧡 💛 💚 💙 💜 🖤 🤍 🤎 💔 ❣ 💕 💞 💓 💗 💖 💘 💝 💟 ☮ ✝ ☪ 🕉 ☸ ✡ 🔯 ☯ ☦ 🛐 ⛎ "
     "♈ ♉ ♊ ♋ ♌ ♍ ♎ ♏ ♐ ♑ ♒ ♓ 🆔 ⚛ ☢ ☣ 📴 📳 🆚 💮 🉐 ㊙ ㊗ 🆎 🆑 🅾 🆘 ❌ ⭕ 🛑 "
     "⛔ 📛 🚫 💯 💢 ♨ 🚷 🚯 🚳 🚱 🔞 📵 🚭 ❗ ❕ ❓ ❔ ‼ ⁉ 🔅 🔆 〽 ⚠ 🚸 🔱 ⚜ 🔰 ♻ ✅ 🈯 "
     "💹 ❇ ✳ ❎ 🌐 💠 Ⓜ 🌀 💤 🏧 🚾 ♿ 🅿 🚹 🚺 🚼 🚻 🚮 🎦 📶 🆖 🆗 🆙 🆒 🆕 🆓 🔟 🔢 #️⃣ "
     "*️⃣ 0️⃣ 1️⃣ 2️⃣ 3️⃣ 4️⃣ 5️⃣ 6️⃣ 7️⃣ 8️⃣ 9️⃣ ▶ ⏸ ⏯ ⏹ ⏺ ⏭ ⏮ ⏩ ⏪ 🔀 🔁 🔂 ◀ 🔼 🔽 ⏫ ⏬ ➡ ⬅ "
     "⬆ ⬇ ↗ ↘ ↙ ↖ ↕ ↔ 🔄 ↪ ↩ ⤴ ⤵ ➕ ➖ ➗ ✖ ♾ 💲 💱 ™ © ® 〰 ➰ ➿ 🔚 🔙 🔛 🔝 🔜 ✔ "
     "☑ 🔘 🔴 🟠 🟡 🟢 🔵 🟣 ⚫ ⚪ 🟤 🔺 🔻 🔸 🔹 🔶 🔷 🔳 🔲 ▪ ▫ ◾ ◽ ◼ ◻ 🟥 🟧 🟨 🟩 🟦 "
     "🟪 ⬛ ⬜ 🟫 🔈 🔇 🔉 🔊 🔔 🔕 📣 📢 💬 💭 🗯 ♠ ♣ ♥ ♦ 🃏 🎴 🀄 🕐 🕑 🕒 🕓 🕔 🕕 🕖 🕗"),
    ("flags", "Flags", "🏁",
     "🏁 🚩 🎌 🏴 🏳 🏳️‍🌈 🏴‍☠️"),
]

FLAGS = ["US United States", "GB United Kingdom", "CA Canada", "AU Australia", "IE Ireland",
         "FR France", "DE Germany", "ES Spain", "IT Italy", "PT Portugal", "NL Netherlands",
         "BE Belgium", "CH Switzerland", "AT Austria", "SE Sweden", "NO Norway", "DK Denmark",
         "FI Finland", "PL Poland", "UA Ukraine", "GR Greece", "TR Turkey", "BR Brazil",
         "MX Mexico", "AR Argentina", "IN India", "CN China", "JP Japan", "KR South Korea",
         "ZA South Africa", "NG Nigeria", "EG Egypt", "EU European Union"]

# Extra words people type (searched with the name).
KEYWORDS = {
    "😂": "lol laugh", "🤣": "lol rofl", "😊": "happy blush", "😍": "love", "🥰": "love",
    "😢": "sad", "😭": "sad cry", "😡": "angry", "😠": "angry", "🤔": "hmm think",
    "🙄": "eyeroll", "😴": "sleep", "🤯": "mind blown", "🥳": "party", "😎": "cool",
    "👍": "+1 yes like ok approve", "👎": "-1 no dislike", "👏": "applause bravo", "🙏": "please thanks pray",
    "🙌": "hooray celebrate", "💪": "strong", "👋": "hello hi bye wave", "🤝": "deal",
    "👀": "look see", "🎉": "tada party celebrate congrats", "🎊": "party", "🔥": "fire lit hot",
    "💯": "hundred perfect", "✅": "done yes check", "❌": "no cross wrong", "❤": "red heart love",
    "💔": "broken heart", "⭐": "star", "✨": "sparkles", "🚀": "launch ship rocket",
    "👌": "ok perfect", "✌": "peace victory", "🤞": "luck fingers crossed", "☕": "coffee",
    "🍺": "beer", "🍻": "beers cheers", "🥂": "cheers", "🍕": "pizza", "🎂": "birthday",
    "🤷": "shrug dunno", "🤦": "facepalm", "💩": "poop", "😅": "phew sweat", "😬": "awkward",
    "🙈": "oops", "😉": "wink", "😘": "kiss", "🤗": "hug", "💡": "idea", "⚠": "warning",
    "🐛": "bug", "🔒": "lock", "☀": "sun", "🌈": "rainbow", "❓": "question", "❗": "important",
    "🐶": "dog", "🐱": "cat", "🤖": "robot bot", "💬": "chat speech", "📎": "attachment",
    "🏳️‍🌈": "pride rainbow", "🏴‍☠️": "pirate",
}

# Emoji whose text form is the default: picked with VS16 so they draw as emoji.
def with_vs16(ch: str) -> str:
    if len(ch) != 1:
        return ch
    cp = ord(ch)
    # Code points that are emoji-presentation by default need no VS16.
    default_emoji = (
        0x1F300 <= cp <= 0x1FAFF and cp not in NEEDS_VS16_ASTRAL
    ) or cp in DEFAULT_EMOJI_BMP
    return ch if default_emoji else ch + VS16

# Astral code points that default to text presentation.
NEEDS_VS16_ASTRAL = {
    0x1F321, 0x1F324, 0x1F325, 0x1F326, 0x1F327, 0x1F328, 0x1F329, 0x1F32A, 0x1F32B, 0x1F32C,
    0x1F336, 0x1F37D, 0x1F396, 0x1F397, 0x1F399, 0x1F39A, 0x1F39B, 0x1F39E, 0x1F39F, 0x1F3CB,
    0x1F3CC, 0x1F3CD, 0x1F3CE, 0x1F3D4, 0x1F3D5, 0x1F3D6, 0x1F3D7, 0x1F3D8, 0x1F3D9, 0x1F3DA,
    0x1F3DB, 0x1F3DC, 0x1F3DD, 0x1F3DE, 0x1F3DF, 0x1F3F3, 0x1F3F5, 0x1F3F7, 0x1F43F, 0x1F441,
    0x1F4FD, 0x1F549, 0x1F54A, 0x1F56F, 0x1F570, 0x1F573, 0x1F574, 0x1F575, 0x1F576, 0x1F577,
    0x1F578, 0x1F579, 0x1F587, 0x1F58A, 0x1F58B, 0x1F58C, 0x1F58D, 0x1F590, 0x1F5A5, 0x1F5A8,
    0x1F5B1, 0x1F5B2, 0x1F5BC, 0x1F5C2, 0x1F5C3, 0x1F5C4, 0x1F5D1, 0x1F5D2, 0x1F5D3, 0x1F5DC,
    0x1F5DD, 0x1F5DE, 0x1F5E1, 0x1F5E3, 0x1F5E8, 0x1F5EF, 0x1F5F3, 0x1F5FA, 0x1F6CB, 0x1F6CD,
    0x1F6CE, 0x1F6CF, 0x1F6E0, 0x1F6E1, 0x1F6E2, 0x1F6E3, 0x1F6E4, 0x1F6E5, 0x1F6E9, 0x1F6F0,
    0x1F6F3, 0x1F170, 0x1F171, 0x1F17E, 0x1F17F, 0x1F202, 0x1F237,
}
# BMP code points that default to emoji presentation.
DEFAULT_EMOJI_BMP = {
    0x231A, 0x231B, 0x23E9, 0x23EA, 0x23EB, 0x23EC, 0x23F0, 0x23F3, 0x25FD, 0x25FE, 0x2614,
    0x2615, 0x2648, 0x2649, 0x264A, 0x264B, 0x264C, 0x264D, 0x264E, 0x264F, 0x2650, 0x2651,
    0x2652, 0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5,
    0x26CE, 0x26D4, 0x26EA, 0x26F2, 0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A, 0x270B,
    0x2728, 0x274C, 0x274E, 0x2753, 0x2754, 0x2755, 0x2757, 0x2795, 0x2796, 0x2797, 0x27B0,
    0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B55,
}

NAME_FIX = {
    "🏳️‍🌈": "rainbow flag", "🏴‍☠️": "pirate flag",
    "#️⃣": "keycap number sign", "*️⃣": "keycap asterisk",
}


def name_of(e: str) -> str:
    if e in NAME_FIX:
        return NAME_FIX[e]
    if len(e) == 3 and e[2] == "\u20e3":
        return "keycap " + unicodedata.name(e[0]).lower().replace("digit ", "")
    base = e.rstrip(VS16)
    n = unicodedata.name(base[0]).lower()

    return n


def main() -> None:
    seen = set()
    out = []
    for cid, label, icon, chars in CATEGORIES:
        items = []
        for ch in chars.split():
            e = with_vs16(ch) if len(ch) == 1 else ch
            if e in seen:
                continue
            seen.add(e)
            kw = KEYWORDS.get(ch, "") or KEYWORDS.get(e, "")
            items.append([e, name_of(e)] + ([kw] if kw else []))
        if cid == "flags":
            for f in FLAGS:
                code, country = f.split(" ", 1)
                e = "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)
                items.append([e, "flag " + country.lower(), code.lower()])
        out.append({"id": cid, "label": label, "icon": with_vs16(icon), "emoji": items})
    total = sum(len(c["emoji"]) for c in out)
    lines = [
        "// Generated by scripts/gen-emoji.py: do not edit.",
        "// The emoji picker's bundled list: per category, [emoji, name, keywords?].",
        "",
        "export interface EmojiCategoryData {",
        "  id: string;",
        "  label: string;",
        "  icon: string;",
        "  emoji: readonly (readonly [string, string] | readonly [string, string, string])[];",
        "}",
        "",
        f"/** {total} emoji in {len(out)} categories. */",
        "export const emojiCategories: readonly EmojiCategoryData[] = [",
    ]
    for c in out:
        lines.append("  {")
        lines.append(f"    id: {json.dumps(c['id'])},")
        lines.append(f"    label: {json.dumps(c['label'])},")
        lines.append(f"    icon: {json.dumps(c['icon'], ensure_ascii=False)},")
        lines.append("    emoji: [")
        for it in c["emoji"]:
            lines.append("      [" + ", ".join(json.dumps(x, ensure_ascii=False) for x in it) + "],")
        lines.append("    ],")
        lines.append("  },")
    lines.append("];")
    lines.append("")
    with open("src/components/emojiData.gen.ts", "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(total)


if __name__ == "__main__":
    main()
