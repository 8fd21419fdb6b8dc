import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension OpenAIAudioClient {
    // MARK: - Request building

    struct PreparedRequest: Sendable {
        var endpoint: Endpoint
        var url: String
        var headers: HTTPHeaders
        var body: [UInt8]

        /// The first value of a request header, case-insensitively.
        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    struct BufferedResponse: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var requestID: String? { headers.first(name: "x-request-id") }
    }

    /// The headers every request carries: auth, organization, project, user agent, accept, content type.
    func makeHeaders(contentType: String, accept: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let key = configuration.apiKey, !key.isEmpty {
            headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        if let organization = configuration.organization, !organization.isEmpty {
            headers.add(name: "OpenAI-Organization", value: organization)
        }
        if let project = configuration.project, !project.isEmpty {
            headers.add(name: "OpenAI-Project", value: project)
        }
        headers.add(name: "User-Agent", value: "subtitler/\(subtitlerVersion)")
        headers.add(name: "Accept", value: accept)
        headers.add(name: "Content-Type", value: contentType)
        return headers
    }

    func prepare(_ endpoint: Endpoint, form: MultipartForm, accept: String = "application/json")
        throws(OpenAIAudioError)
        -> PreparedRequest
    {
        try checkConfiguration(for: endpoint)
        let size = form.byteCount
        guard size <= maxRequestBodyBytes else {
            throw OpenAIAudioError(
                endpoint: endpoint.rawValue,
                param: "file",
                message:
                    "the request body would be \(size) bytes (file '\(form.file.filename)' is \(form.file.data.count) bytes), "
                    + "over the \(maxRequestBodyBytes)-byte limit of the OpenAI audio API; split or re-encode the audio",
                kind: .requestTooLarge,
                attempts: 0
            )
        }
        return PreparedRequest(
            endpoint: endpoint,
            url: configuration.url(for: endpoint),
            headers: makeHeaders(contentType: form.contentType, accept: accept),
            body: form.encoded()
        )
    }

    /// Fails before anything is sent when the credentials hold control characters or the endpoint's base URL is not
    /// an http(s) URL: no retry could fix either, and a key with a line break in it would be echoed in the HTTP
    /// library's error text. The error never contains the key.
    func checkConfiguration(for endpoint: Endpoint) throws(OpenAIAudioError) {
        var problem = configuration.credentialProblem
        if problem == nil, let urlProblem = OpenAIConfiguration.urlProblem(configuration.url(for: endpoint)) {
            let base = configuration.base(for: endpoint)
            problem = "invalid base URL '\(base)': \(urlProblem)"
        }
        guard let problem else { return }
        throw OpenAIAudioError(
            endpoint: endpoint.rawValue, code: OpenAIAudioError.invalidConfigurationCode,
            message: "\(problem); nothing was sent", kind: .invalidRequest, attempts: 0
        ).redacting(configuration.apiKey)
    }

    func prepareSpeech(_ request: SpeechRequest) throws(OpenAIAudioError) -> PreparedRequest {
        try checkConfiguration(for: .speech)
        if let failure = request.validationFailure() {
            throw OpenAIAudioError(
                endpoint: Endpoint.speech.rawValue,
                param: failure.param,
                message: failure.message,
                kind: .invalidRequest,
                attempts: 0
            )
        }
        let body = SpeechBody(request)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(body)
        } catch {
            throw OpenAIAudioError(
                endpoint: Endpoint.speech.rawValue,
                message: "could not encode the speech request: \(error)",
                kind: .invalidRequest,
                attempts: 0
            )
        }
        let accept = request.streamFormat == .sse ? "text/event-stream" : "application/octet-stream"
        return PreparedRequest(
            endpoint: .speech,
            url: configuration.url(for: .speech),
            headers: makeHeaders(contentType: "application/json", accept: accept),
            body: [UInt8](data)
        )
    }
}

/// The JSON body of a speech request; nil members are left out.
struct SpeechBody: Encodable {
    var model: String
    var input: String
    var voice: String
    var instructions: String?
    var response_format: String
    var speed: Double?
    var stream_format: String?

    init(_ request: SpeechRequest) {
        model = request.model
        input = request.input
        voice = request.voice
        instructions = request.instructions
        response_format = request.responseFormat.rawValue
        speed = request.speed
        stream_format = request.streamFormat?.rawValue
    }
}
