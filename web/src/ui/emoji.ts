// The emoji picker's grid: common emoji with the words a search matches.
// A reaction is one token on the wire, so each entry is one emoji (no
// spaces), at most 32 bytes.

export interface Emoji {
  char: string;
  words: string;
}

const table = `
👍 thumbs up yes ok like
👎 thumbs down no dislike
😀 grin smile happy
😂 joy laugh tears lol
🤣 rofl laugh rolling
😊 blush smile
😍 heart eyes love
😘 kiss
😎 cool sunglasses
🤔 thinking hmm
😮 wow surprised open mouth
😢 cry sad tear
😭 sob crying
😡 angry rage mad
😱 scream fear
🙄 eye roll
😴 sleep tired
🤯 mind blown
🥳 party celebrate
😇 angel innocent
🙏 pray please thanks
👏 clap applause
🙌 raised hands hooray
💪 muscle strong
👀 eyes look
👋 wave hello bye
🤝 handshake deal
✅ check done yes
❌ cross no wrong
❤️ heart love red
💔 broken heart
🔥 fire hot lit
⭐ star
✨ sparkles
🎉 tada party congratulations
🎲 dice game
🃏 joker card
♠️ spade card
♥️ heart suit card
💰 money bag chips
🍕 pizza food
🍺 beer drink
☕ coffee
🎵 music note
💯 hundred perfect
⚡ zap lightning
🚀 rocket launch
🐛 bug
💡 idea bulb
❓ question
❗ exclamation
`;

export const emojis: Emoji[] = table
  .trim()
  .split("\n")
  .map((line) => {
    const i = line.indexOf(" ");
    return { char: line.slice(0, i), words: line.slice(i + 1) };
  });

/** searchEmoji keeps the emoji whose words start with every word of q. */
export function searchEmoji(q: string): Emoji[] {
  const want = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (want.length === 0) return emojis;
  return emojis.filter((e) => {
    const words = e.words.split(" ");
    return want.every((w) => words.some((x) => x.startsWith(w)));
  });
}
