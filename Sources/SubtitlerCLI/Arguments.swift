import Foundation
import Subtitler

/// The command line as the process received it, checked before ArgumentParser sees it.
enum RawArguments {
    /// An argument that is not valid UTF-8: Swift's `CommandLine.arguments` would replace the bad bytes, and the
    /// file it names could then never be found.
    struct InvalidUTF8: Error, CustomStringConvertible {
        /// The argument's position, from 1.
        var position: Int
        /// The argument with bytes that are not UTF-8 shown as `\xFF`.
        var shown: String
        /// The first bad byte and its offset.
        var byte: UInt8
        var offset: Int

        var description: String {
            "argument \(position) ('\(shown)') is not valid UTF-8: byte 0x\(String(byte, radix: 16, uppercase: true)) "
                + "at offset \(offset). subtitler takes UTF-8 names; rename the file (for example with "
                + "convmv -f latin1 -t utf-8)"
        }
    }

    /// The arguments after the program name, decoded strictly.
    /// - Throws: ``InvalidUTF8`` for the first argument that is not UTF-8.
    static func decoded() throws(InvalidUTF8) -> [String] {
        var arguments: [String] = []
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                                  count: strlen(pointer)))
            guard let text = String(validating: bytes, as: UTF8.self) else {
                let offset = firstInvalidOffset(bytes)
                throw InvalidUTF8(position: index, shown: escaped(bytes), byte: bytes[offset], offset: offset)
            }
            arguments.append(text)
        }
        return arguments
    }

    /// Arguments that start with `-` but name an existing file become `./NAME`, so `subtitler transcribe
    /// -take2.mp4` subtitles the file instead of failing (or printing help) on an unknown option. Nothing after `--`
    /// changes, nor `-`, two-character options such as `-o`, or anything starting with `--`.
    static func rewritingDashFiles(_ arguments: [String], fileExists: (String) -> Bool = {
        FileManager.default.fileExists(atPath: $0)
    }) -> [String] {
        var result: [String] = []
        var positionalOnly = false
        for argument in arguments {
            if positionalOnly || argument == "--" {
                positionalOnly = true
                result.append(argument)
                continue
            }
            if argument.hasPrefix("-"), !argument.hasPrefix("--"), argument.count > 2, fileExists(argument) {
                result.append("./" + argument)
            } else {
                result.append(argument)
            }
        }
        return result
    }

    private static func firstInvalidOffset(_ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            for length in (1...4).reversed() where offset + length <= bytes.count {
                if String(validating: bytes[offset..<(offset + length)], as: UTF8.self) != nil {
                    offset += length
                    break
                }
                if length == 1 { return offset }
            }
        }
        return 0
    }

    private static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        var offset = 0
        while offset < bytes.count {
            var matched = false
            for length in (1...4).reversed() where offset + length <= bytes.count {
                if let piece = String(validating: bytes[offset..<(offset + length)], as: UTF8.self) {
                    text += TextSanitising.printable(piece)
                    offset += length
                    matched = true
                    break
                }
            }
            if !matched {
                text += "\\x" + String(bytes[offset], radix: 16, uppercase: true)
                offset += 1
            }
        }
        return text
    }
}
