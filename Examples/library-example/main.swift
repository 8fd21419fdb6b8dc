import OpenAIAudio
import Subtitler
import SubtitlerJobs

// Reads OPENAI_API_KEY (and OPENAI_BASE_URL for another server) like the official SDKs.
let client = OpenAIAudioClient(configuration: .fromEnvironment())
let runner = JobRunner(subtitler: Subtitler(client: client))

var job = SubtitleJob(input: CommandLine.arguments[1])   // e.g. talk.mp4
job.formats = [.srt, .vtt]                               // talk.en.srt and talk.en.vtt next to it
job.skipsIfSubtitled = true

let outcome = await runner.run(job)
print(outcome.report.status, outcome.report.outputs, outcome.report.error ?? "")
