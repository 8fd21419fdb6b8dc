import Foundation

/// An output that an encoder writes by path (extracted audio, synthesised speech): it is written to a temporary
/// file and appears under its name only when complete. A FIFO or a character device at the output path is written
/// through (from a temporary file in the system's temporary folder), never replaced; a directory, a socket or the
/// input file itself is refused before any work is done.
package struct TemporaryOutput {
    /// The file the user named.
    package let output: URL
    /// Where the encoder writes.
    package let temporary: URL
    /// Whether the output is a FIFO or device that is written through.
    package let isStream: Bool

    /// Checks `output` and picks the temporary file (removing leftovers of killed runs for the same output).
    /// - Parameters:
    ///   - output: the file to write.
    ///   - input: the file the output is made from, which must not be replaced.
    ///   - extraExtension: the temporary file's extension, for encoders that pick their format from the name.
    package init(_ output: URL, input: String? = nil, extraExtension: String) throws(OutputError) {
        if let input, OutputGuard.overwrittenInput(by: output.path, inputs: [input]) != nil {
            throw OutputError(path: output.path, reason: "it is the input file itself; choose another name")
        }
        let kind = OutputTargetKind(path: output.path)
        if case .unusable(let why) = kind { throw OutputError(path: output.path, reason: why) }
        self.output = output
        if kind == .stream {
            isStream = true
            temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
                ".subtitler.\(getpid()).\(UUID().uuidString.prefix(8)).tmp.\(extraExtension)")
            return
        }
        isStream = false
        let directory = output.deletingLastPathComponent().path
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw OutputError(path: output.path, reason: "the folder \(directory) does not exist")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw OutputError(path: output.path, reason: "cannot write in \(directory): " + String(cString: strerror(errno)))
        }
        TemporaryFile.removeLeftovers(in: output.deletingLastPathComponent())
        temporary = TemporaryFile.url(for: output, extraExtension: extraExtension)
    }

    /// Puts the finished temporary file in place (or writes it through) and removes it.
    package func commit() throws(OutputError) {
        defer { unlink(temporary.path) }
        if isStream {
            try copyThrough()
        } else if rename(temporary.path, output.path) != 0 {
            throw OutputError(path: output.path, errno: errno)
        }
    }

    /// Removes the temporary file; the output is untouched.
    package func discard() {
        unlink(temporary.path)
    }

    /// Copies the temporary file into the FIFO or device in bounded pieces. The open does not wait: a FIFO that no
    /// process reads fails at once.
    private func copyThrough() throws(OutputError) {
        guard let input = FileHandle(forReadingAtPath: temporary.path) else {
            throw OutputError(path: output.path, reason: "the encoded audio could not be read back")
        }
        defer { try? input.close() }
        let fd = open(output.path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw code == ENXIO ? OutputError(path: output.path, reason: "no process is reading from this FIFO")
                : OutputError(path: output.path, errno: code)
        }
        defer { close(fd) }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        while true {
            let piece = input.readData(ofLength: 1 << 20)
            if piece.isEmpty { return }
            let code = OutputTransaction.writeAll(piece, to: fd)
            if code != 0 { throw OutputError(path: output.path, errno: code) }
        }
    }
}
