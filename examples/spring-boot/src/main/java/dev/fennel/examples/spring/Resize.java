package dev.fennel.examples.spring;

/**
 * What to make a thumbnail of: the task's input.
 *
 * @param url the image's address
 * @param width the thumbnail's width in pixels, 1 to 4096
 */
public record Resize(String url, int width) {}
