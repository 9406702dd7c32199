package dev.imagesize.image;

/** An image reference that cannot be parsed; the message names the reference and what is wrong with it. */
public class InvalidImageReferenceException extends IllegalArgumentException {
    public InvalidImageReferenceException(String message) {
        super(message);
    }
}
