import { useEffect, useRef, useState } from "preact/hooks";
import { duration, voiceFileName } from "./format";
import { Icon } from "./Icon";

// Voice messages: a click starts MediaRecorder on the microphone (Opus in
// WebM), the running duration shows while it records, and Send or Cancel
// ends it. The recording goes out as an ordinary file named voice-<time>.webm,
// which is how every client tells a voice message from other audio.

interface Props {
  onSend(file: File): void;
  onError(message: string): void;
}

export function Recorder({ onSend, onError }: Props) {
  const [recording, setRecording] = useState(false);
  const [seconds, setSeconds] = useState(0);
  const rec = useRef<MediaRecorder | null>(null);
  const chunks = useRef<Blob[]>([]);
  const keep = useRef(false);
  const started = useRef(0);

  useEffect(() => {
    if (!recording) return;
    const t = setInterval(() => setSeconds((Date.now() - started.current) / 1000), 250);
    return () => clearInterval(t);
  }, [recording]);

  useEffect(() => () => stop(false), []);

  async function start() {
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      onError("This browser cannot record audio.");
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "audio/webm";
      const r = new MediaRecorder(stream, { mimeType: type });
      chunks.current = [];
      r.ondataavailable = (e) => e.data.size > 0 && chunks.current.push(e.data);
      r.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        if (keep.current && chunks.current.length > 0) {
          const blob = new Blob(chunks.current, { type: "audio/webm" });
          onSend(new File([blob], voiceFileName(), { type: "audio/webm" }));
        }
        chunks.current = [];
      };
      rec.current = r;
      started.current = Date.now();
      setSeconds(0);
      r.start(250);
      setRecording(true);
    } catch (err) {
      onError("The microphone is not available: " + (err instanceof Error ? err.message : String(err)));
    }
  }

  function stop(send: boolean) {
    keep.current = send;
    const r = rec.current;
    rec.current = null;
    if (r && r.state !== "inactive") r.stop();
    setRecording(false);
  }

  if (!recording)
    return (
      <button type="button" aria-label="Record a voice message" title="Record a voice message" onClick={start}>
        <Icon name="mic" />
      </button>
    );
  return (
    <div class="recording" role="group" aria-label="Recording">
      <span class="dot" aria-hidden="true" />
      <span role="timer" aria-label="Recording duration">
        {duration(seconds)}
      </span>
      <button type="button" onClick={() => stop(false)}>
        Cancel
      </button>
      <button type="button" class="primary" onClick={() => stop(true)}>
        Send voice message
      </button>
    </div>
  );
}
