/// Hand-written JSON output into a byte array: no encoders or formatters on the hot path.
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func raw(_ b: [UInt8]) {
        bytes.append(contentsOf: b)
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        bytes.append(b)
    }

    /// Writes `"key":`.
    mutating func key(_ k: String) {
        string(k)
        bytes.append(58)
    }

    mutating func string(_ s: String) {
        bytes.append(34)
        for c in s.utf8 {
            switch c {
            case 34: bytes.append(92); bytes.append(34)
            case 92: bytes.append(92); bytes.append(92)
            case 10: bytes.append(92); bytes.append(110)
            case 13: bytes.append(92); bytes.append(114)
            case 9: bytes.append(92); bytes.append(116)
            case 0..<32:
                raw("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(c >> 4)])
                bytes.append(hex[Int(c & 15)])
            default: bytes.append(c)
            }
        }
        bytes.append(34)
    }

    @inline(__always)
    mutating func int(_ value: Int64) {
        if value < 0 {
            bytes.append(45)
            uint(UInt64(-value))
        } else {
            uint(UInt64(value))
        }
    }

    @inline(__always)
    mutating func int(_ value: Int) { int(Int64(value)) }

    @inline(__always)
    mutating func uint(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(48 + value))
            return
        }
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { buf in
            while v > 0 {
                buf[19 - n] = UInt8(48 + v % 10)
                v /= 10
                n += 1
            }
            bytes.append(contentsOf: buf[(20 - n)...])
        }
    }

    /// A fixed-point value `scaled / 10^decimals` written with exactly `decimals` digits, e.g. 2000,2 -> 20.00.
    @inline(__always)
    mutating func fixed(_ scaled: Int64, decimals: Int) {
        var s = scaled
        if s < 0 {
            bytes.append(45)
            s = -s
        }
        if decimals == 0 {
            uint(UInt64(s))
            return
        }
        var p: Int64 = 1
        for _ in 0..<decimals { p *= 10 }
        uint(UInt64(s / p))
        bytes.append(46)
        var frac = s % p
        var digits = decimals
        var div = p / 10
        while digits > 0 {
            bytes.append(UInt8(48 + frac / div))
            frac %= div
            div /= 10
            digits -= 1
        }
    }

    /// A JSON string holding a fixed-point number, e.g. "20.00".
    @inline(__always)
    mutating func quotedFixed(_ scaled: Int64, decimals: Int) {
        bytes.append(34)
        fixed(scaled, decimals: decimals)
        bytes.append(34)
    }

    /// A JSON string holding an integer, e.g. "5830".
    @inline(__always)
    mutating func quotedInt(_ value: Int64) {
        bytes.append(34)
        int(value)
        bytes.append(34)
    }

    mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    mutating func null() { raw("null") }

    /// Removes a trailing comma if present (for building objects in loops).
    mutating func dropTrailingComma() {
        if bytes.last == 44 { bytes.removeLast() }
    }
}

/// Rounded integer division used for ratios (half away from zero for non-negative inputs).
@inline(__always)
func roundedDivide(_ numerator: Int64, _ denominator: Int64) -> Int64 {
    denominator == 0 ? 0 : (numerator * 2 + denominator) / (denominator * 2)
}
