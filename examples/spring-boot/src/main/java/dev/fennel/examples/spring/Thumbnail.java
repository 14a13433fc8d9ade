package dev.fennel.examples.spring;

/**
 * A thumbnail made: the task's output.
 *
 * @param url where it is
 * @param width its width in pixels
 * @param height its height in pixels (4:3)
 */
public record Thumbnail(String url, int width, int height) {}
