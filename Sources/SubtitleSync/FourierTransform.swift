import Foundation

/// A radix-2 fast Fourier transform over split real and imaginary arrays, for the coarse offset search.
enum FourierTransform {
    /// The smallest power of two that is at least `count`.
    static func size(atLeast count: Int) -> Int {
        var size = 1
        while size < count { size <<= 1 }
        return size
    }

    /// Transforms `real` and `imaginary` in place (forward, or inverse without the `1/n` scaling).
    /// - Precondition: both arrays hold the same power-of-two count of values.
    static func transform(real: inout [Double], imaginary: inout [Double], inverse: Bool) {
        let count = real.count
        precondition(count == imaginary.count && count > 0 && count & (count - 1) == 0, "a power-of-two length")
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                // Bit-reversal permutation.
                var j = 0
                for i in 1..<max(1, count) {
                    var bit = count >> 1
                    while j & bit != 0 {
                        j ^= bit
                        bit >>= 1
                    }
                    j |= bit
                    if i < j {
                        re.swapAt(i, j)
                        im.swapAt(i, j)
                    }
                }
                var length = 2
                let sign: Double = inverse ? 1 : -1
                while length <= count {
                    let angle = sign * 2 * Double.pi / Double(length)
                    let stepReal = cos(angle)
                    let stepImaginary = sin(angle)
                    let half = length / 2
                    var start = 0
                    while start < count {
                        var wr = 1.0
                        var wi = 0.0
                        for k in 0..<half {
                            let a = start + k
                            let b = a + half
                            let tr = re[b] * wr - im[b] * wi
                            let ti = re[b] * wi + im[b] * wr
                            re[b] = re[a] - tr
                            im[b] = im[a] - ti
                            re[a] += tr
                            im[a] += ti
                            let next = wr * stepReal - wi * stepImaginary
                            wi = wr * stepImaginary + wi * stepReal
                            wr = next
                        }
                        start += length
                    }
                    length <<= 1
                }
            }
        }
    }
}
