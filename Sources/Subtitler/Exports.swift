// `import Subtitler` is all a program needs: the types of the modules the library's API is made of come with it.
@_exported import MediaAudio
@_exported import OpenAIAudio
@_exported import Subtitles
