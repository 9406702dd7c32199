package dev.imagesize.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Path rules: Go's path.Clean, code-point order, and the globs of the finding rules. */
class GlobAndPathTest {

    @Test
    void cleanIsGosPathClean() {
        assertThat(GoPath.clean("")).isEqualTo(".");
        assertThat(GoPath.clean("./")).isEqualTo(".");
        assertThat(GoPath.clean("a/b/")).isEqualTo("a/b");
        assertThat(GoPath.clean("./a//b/./c/..")).isEqualTo("a/b");
        assertThat(GoPath.clean("../../x")).isEqualTo("../../x");
        assertThat(GoPath.clean("/../x")).isEqualTo("/x");
        assertThat(GoPath.clean("a/../..")).isEqualTo("..");
        assertThat(GoPath.rooted("../../etc/passwd")).isEqualTo("/etc/passwd");
    }

    @Test
    void namesSortByCodePointLikeGo() {
        assertThat(GoPath.BYTE_ORDER.compare(".wh.a", "a")).isNegative();
        assertThat(GoPath.BYTE_ORDER.compare("Z", "a")).isNegative();
        // U+FF5E (3 UTF-8 bytes) sorts before U+1F600 (4 bytes); Java's UTF-16 order says the opposite
        assertThat(GoPath.BYTE_ORDER.compare("\uFF5E", "\uD83D\uDE00")).isNegative();
        assertThat("\uFF5E".compareTo("\uD83D\uDE00")).isPositive();
    }

    @Test
    void globsMatchWithinAndAcrossComponents() {
        assertThat(Glob.compile("var/lib/apt/lists/**").matches("/var/lib/apt/lists/a/b"))
                .isTrue();
        assertThat(Glob.compile("var/lib/apt/lists/**").matches("/var/lib/apt/listsX"))
                .isFalse();
        assertThat(Glob.compile("**/.git/**").matches("/.git/HEAD")).isTrue();
        assertThat(Glob.compile("**/.git/**").matches("/app/src/.git/objects/x"))
                .isTrue();
        assertThat(Glob.compile("**/.git/**").matches("/app/.gitignore")).isFalse();
        assertThat(Glob.compile("home/*/.cache/pip/**").matches("/home/u/.cache/pip/x"))
                .isTrue();
        assertThat(Glob.compile("home/*/.cache/pip/**").matches("/home/u/v/.cache/pip/x"))
                .isFalse();
        assertThat(Glob.compile("usr/bin/{gcc,g++}-*").matches("/usr/bin/g++-12"))
                .isTrue();
        assertThat(Glob.compile("usr/bin/{gcc,g++}-*").matches("/usr/bin/clang-12"))
                .isFalse();
        assertThat(Glob.compile("**/*.pyc").matches("/x/y/z.pyc")).isTrue();
        assertThat(Glob.compile("**/*.pyc").matches("/z.pyc")).isTrue();
    }
}
