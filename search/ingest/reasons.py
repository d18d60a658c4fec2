"""Skip reasons in Chinese, for the web pages staff read (the CLI keeps the English lines it prints).

Each pattern matches the start of a reason as the readers word it; the first that matches gives
the Chinese; a reason no pattern knows is shown as it is.
"""

from __future__ import annotations

import re

_REASONS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), chinese)
    for pattern, chinese in (
        (r"^unsupported file type \(no suffix\)", "不支持的文件类型（无扩展名）"),
        (r"^unsupported file type (?P<x>\S+)", "不支持的文件类型 {x}"),
        (r"^no reader for (?P<x>\S+) files", "未安装 {x} 文件的读取程序"),
        (r"^empty file", "空文件"),
        (r".*\bencrypted\b", "文件已加密（请解除密码后再放入）"),
        (r".*no text even after OCR", "扫描件经文字识别（OCR）后仍无文字"),
        (r".*OCR is off", "扫描件（无文字层），文字识别已关闭"),
        (r".*no text layer", "扫描件（无文字层）"),
        (r".*(?:damaged|truncated|not a readable|not a PDF|not a valid)", "文件损坏或不完整"),
        (r"^larger than", "文件超过大小上限"),
        (r".*(?:limit|too deep|ratio)", "超出读取限制（疑似异常文件）"),
        (r"^cannot read", "无法读取（权限或磁盘问题）"),
        (r".*symbolic link", "符号链接，未跟随"),
        (r".*not valid UTF-8", "文件名编码无效，请重命名"),
        (r".*(?:not text|undecodable|binary)", "不是文本文件（无法解码）"),
        (r".*has no text|no text after normalization", "文件中没有文字"),
        (r".*same name", "与另一文件夹中的文件同名"),
        (r"^not a regular file", "不是普通文件"),
    )
)


def reason_in_chinese(reason: str) -> str:
    """The Chinese wording of a skip reason (the English one when no pattern knows it)."""
    for pattern, chinese in _REASONS:
        match = pattern.match(reason)
        if match:
            return chinese.format(**match.groupdict())
    return reason
