import Crypto
import Foundation

public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lowercase, two digits a byte; written as bytes, since the changes name every finding by
    /// the hash of its message and a string per byte was most of their time.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Hex SHA-256, how secrets and request bodies are fingerprinted.
    public static func sha256(_ bytes: some DataProtocol) -> String {
        encode(SHA256.hash(data: bytes))
    }
}
