'use strict';
// Loads the review page's script as node sees it: no `document`, so it hands out its pure functions.
const path = require('node:path');

module.exports = require(path.join(__dirname, '..', '..', 'Sources', 'SubtitlerReview', 'Assets', 'review.js'));
