/// Response bodies written from the schemas and examples in openai-audio-api.md (§2–§4).
enum Fixtures {
    /// `verbose_json` from whisper-1 with both granularities (segments and words, usage, task).
    static let verboseSegmentsAndWords = #"""
        {
          "task": "transcribe",
          "language": "english",
          "duration": 8.470000267028809,
          "text": "The beach was a popular spot on a hot summer day.",
          "segments": [
            {
              "id": 0, "seek": 0, "start": 0.0, "end": 3.319999933242798,
              "text": " The beach was a popular spot on a hot summer day.",
              "tokens": [50364, 440, 7534, 390, 257, 3743, 4008, 322, 257, 2368, 4266, 786, 13, 50530],
              "temperature": 0.0, "avg_logprob": -0.2860786020755768,
              "compression_ratio": 1.2363636493682861, "no_speech_prob": 0.00985979475080967
            }
          ],
          "words": [
            {"word": "The", "start": 0.0, "end": 0.23999999463558197},
            {"word": "beach", "start": 0.23999999463558197, "end": 0.5}
          ],
          "usage": {"type": "duration", "seconds": 9}
        }
        """#

    /// `verbose_json` with only `timestamp_granularities[]=word`: no `segments` key.
    static let verboseWordsOnly = #"""
        {"task":"transcribe","language":"english","duration":1.5,"text":"Hello world.",
         "words":[{"word":"Hello","start":0.1,"end":0.5},{"word":"world","start":0.6,"end":1.2}]}
        """#

    /// faster-whisper-server's `verbose_json`: ISO language, extra keys, no words key, no usage.
    static let verboseLocalServer = #"""
        {"task":"transcribe","language":"en","duration":12.6,"text":"Hi there.",
         "segments":[{"id":1,"seek":0,"start":0.0,"end":1.84,"text":" Hi there.","tokens":[1,2],
                      "temperature":0.0,"avg_logprob":-0.3,"compression_ratio":0.8,"no_speech_prob":0.01,
                      "words":null}],
         "words":null}
        """#

    /// `diarized_json` from gpt-4o-transcribe-diarize (string segment ids, speakers, token usage).
    static let diarized = #"""
        {
          "task": "transcribe",
          "duration": 27.4,
          "text": "A: Hello, how can I help?\nB: My order is late.",
          "segments": [
            {"type": "transcript.text.segment", "id": "seg_001", "start": 0.0, "end": 4.7,
             "text": "Hello, how can I help?", "speaker": "agent"},
            {"type": "transcript.text.segment", "id": "seg_002", "start": 5.05, "end": 7.8,
             "text": "My order is late.", "speaker": "B"}
          ],
          "usage": {"type": "tokens", "input_tokens": 1000, "input_token_details": {"text_tokens": 0, "audio_tokens": 1000},
                    "output_tokens": 20, "total_tokens": 1020}
        }
        """#

    /// `verbose_json` from the translations endpoint (segments only, English).
    static let translationVerbose = #"""
        {"task":"translate","language":"english","duration":4.2,"text":"Good morning, everyone.",
         "segments":[{"id":0,"seek":0,"start":0.0,"end":2.1,"text":" Good morning,","tokens":[1],"temperature":0.0,
                      "avg_logprob":-0.4,"compression_ratio":0.9,"no_speech_prob":0.02},
                     {"id":1,"seek":0,"start":2.1,"end":4.2,"text":" everyone.","tokens":[2],"temperature":0.0,
                      "avg_logprob":-0.5,"compression_ratio":0.9,"no_speech_prob":0.03}]}
        """#

    /// `json` from a GPT-4o model with logprobs and token usage.
    static let jsonWithLogprobs = #"""
        {"text":"Hi.","logprobs":[{"token":"Hi","logprob":-0.01,"bytes":[72,105]}],
         "usage":{"type":"tokens","input_tokens":14,"input_token_details":{"text_tokens":0,"audio_tokens":14},
                  "output_tokens":3,"total_tokens":17}}
        """#

    /// `text`, `srt` and `vtt` bodies.
    static let plainText = "The beach was a popular spot on a hot summer day.\n"
    static let srt = "1\n00:00:00,000 --> 00:00:03,320\nThe beach was a popular spot on a hot summer day.\n\n"
    static let vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:03.320\nThe beach was a popular spot on a hot summer day.\n\n"

    /// A transcription SSE stream from gpt-4o-mini-transcribe (no `[DONE]`; `usage` without `type`).
    static let transcriptionStream: [String] = [
        #"{"type":"transcript.text.delta","delta":"The","logprobs":[]}"#,
        #"{"type":"transcript.text.delta","delta":" beach","logprobs":[]}"#,
        #"{"type":"transcript.text.delta","delta":" was nice."}"#,
        #"{"type":"transcript.text.done","text":"The beach was nice.","usage":{"input_tokens":14,"input_token_details":{"text_tokens":0,"audio_tokens":14},"output_tokens":45,"total_tokens":59}}"#,
    ]

    /// A diarized transcription SSE stream with a segment event.
    static let diarizedStream: [String] = [
        #"{"type":"transcript.text.delta","delta":"Hello","segment_id":"seg_001"}"#,
        #"{"type":"transcript.text.segment","id":"seg_001","start":0.0,"end":1.2,"text":"Hello","speaker":"A"}"#,
        #"{"type":"transcript.text.done","text":"Hello","usage":{"type":"duration","seconds":2}}"#,
    ]

    /// A speech SSE stream: base64 of "RIFF", "1234", then done with usage.
    static let speechStream: [String] = [
        #"{"type":"speech.audio.delta","audio":"UklGRg=="}"#,
        #"{"type":"speech.audio.delta","audio":"MTIzNA=="}"#,
        #"{"type":"speech.audio.done","usage":{"input_tokens":14,"output_tokens":101,"total_tokens":115}}"#,
    ]
}
