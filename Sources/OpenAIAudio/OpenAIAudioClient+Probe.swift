import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension OpenAIAudioClient {
    /// Whether the transcription server answers at all within `timeout`: a `GET /models` that gets any HTTP answer,
    /// an error status included, shows a server that is up (busy with other clients' requests, perhaps); a refused
    /// connection, a dropped one or no answer in time shows one that is not. Never retried; the answer's body is
    /// read and dropped (at most 1 MiB). The key goes in the `Authorization` header only, as for every request.
    public func probe(timeout: Duration) async -> Bool {
        let base = configuration.baseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        var request = HTTPClientRequest(url: base + "/models")
        request.method = .GET
        request.headers = makeHeaders(contentType: "application/json", accept: "application/json")
        request.headers.remove(name: "Content-Type")
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                if read > 1 << 20 { break }
            }
            return true
        } catch {
            return false
        }
    }
}
